"""stories260K's reference.json against `iwsi decode` (scripts/gpu_check.sh): `prompts REF OUT.jsonl`
writes the reference prompts; `check REF DECODED.h5` prints how many cases' greedy ids equal the
reference exactly and exits 1 when one does not. h5py and the standard library only."""
import json
import sys

import h5py

mode, reference, path = sys.argv[1:4]
cases = json.load(open(reference))["cases"]
if mode == "prompts":
    with open(path, "w") as f:
        for c in cases:
            f.write(json.dumps({"id": c["name"], "prompt": c["prompt"]}) + "\n")
    sys.exit(0)
f = h5py.File(path, "r")
ids = f["candidates/token_ids"]
offsets, values = ids["offsets"][:], ids["values"][:]
equal = 0
for i, case in enumerate(cases):
    got = list(values[offsets[i]:offsets[i + 1]])[:case["max_new_tokens"]]
    if got == case["generated_ids"]:
        equal += 1
    else:
        first = next(j for j, (a, b) in enumerate(zip(got + [None] * 999, case["generated_ids"])) if a != b)
        print(f"{case['name']}: first differing generated token at step {first}")
print(f"{equal} of {len(cases)} reference cases: greedy ids exactly equal")
sys.exit(0 if equal == len(cases) else 1)
