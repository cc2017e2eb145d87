# The demo scaled down to seconds, end to end through `iwsi run` on 2 ranks (configs/demo.ini with
# tiny sizes): every stage's file is complete, the accuracy table matches the eval files, IWSI's
# kept set is the lowest-DS-weight k% of LMSI's, the synthetic gold answers all parse, and a second
# invocation does no work.
source "$(dirname "$0")/lib.bash"
D=$WORK/demo
RUN=(run --config configs/demo.ini --run.dir "$D" --data.dir "$D/task" --model.path "$D/base"
     --synth.train_size 400 --synth.pool_size 100 --synth.valid_size 5 --synth.test_size 50
     --run.base_steps 30 --run.ks 80,50 --train.max_steps 10 --runtime.threads 1)
check "iwsi run (synth, base, generate, weigh, base eval, lmsi + iwsi k 80/50)" mpirun -np 2 "$IWSI" "${RUN[@]}"
check "every stage's output is complete and the accuracy table matches the evals" "$PY" - "$D" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
files = ["candidates.h5", "weights.h5", "eval-base.h5", "base/train.h5"] + [
    f"{kind}-{cell}{ext}" for cell in ("lmsi", "iwsi-k80", "iwsi-k50")
    for kind, ext in (("filter", ".h5"), ("eval", ".h5"), ("train", "/train.h5"))]
for name in files:
    assert h5py.File(f"{d}/{name}", "r").attrs["complete"] == 1, name
rows = [line.split("|")[1:-1] for line in open(f"{d}/accuracy.md").read().splitlines()[2:]]
table = {(r[0].strip(), r[1].strip()): float(r[3]) for r in rows}
for (strategy, k), name in {("base", "-"): "base", ("lmsi", "-"): "lmsi", ("iwsi", "80"): "iwsi-k80",
                            ("iwsi", "50"): "iwsi-k50"}.items():
    e = h5py.File(f"{d}/eval-{name}.h5", "r")
    acc = 100 * e["questions/correct"][:].mean()
    assert abs(e.attrs["accuracy"] - acc) < 1e-9 and abs(table[(strategy, k)] - round(acc, 1)) < 1e-9, (name, acc)
c, w = h5py.File(f"{d}/candidates.h5", "r")["candidates"], h5py.File(f"{d}/weights.h5", "r")["candidates"]
q, s, wds = c["question_index"][:], c["sample_index"][:], w["w_ds"][:]
lmsi = sorted(h5py.File(f"{d}/filter-lmsi.h5", "r")["kept/row"][:])
assert lmsi == list(np.where(c["consistent"][:] == 1)[0])
for k in (80, 50):
    order = sorted(lmsi, key=lambda r: (wds[r], q[r], s[r]))
    want = sorted(order[:max(1, int(np.floor(k / 100 * len(lmsi))))])
    assert sorted(h5py.File(f"{d}/filter-iwsi-k{k}.h5", "r")["kept/row"][:]) == want, k
PY
check "the synthetic task's gold answers all parse" "$PY" - "$D/task" <<'PY'
import json, re, sys
for split in ("train", "pool", "valid", "test"):
    for line in open(f"{sys.argv[1]}/{split}.jsonl"):
        record = json.loads(line)
        body, gold = record["answer"].rsplit("####", 1)
        assert re.fullmatch(r"\s*\d+\s*", gold), record
        steps = re.findall(r"= (\d+) \.", body)
        assert not steps or record["style"] != "clean" or steps[-1] == gold.strip(), record
PY
check "the style reader (analysis/styles.py) gives every labeled rationale the style synth wrote" "$PY" - "$D/task" <<'PY'
import json, sys
sys.path.insert(0, "analysis")
from styles import rationale_style
seen = set()
for line in open(f"{sys.argv[1]}/train.jsonl"):
    record = json.loads(line)
    style = rationale_style(record["question"], record["answer"].rsplit("####", 1)[0])
    assert style == record["style"], (style, record)
    seen.add(style)
assert seen == {"clean", "jumping", "redundant", "spurious"}, seen
PY
check "the offline report reads the real run" "$PY" analysis/report.py "$D" --out "$D/report"
check "the report's accuracy table equals the eval files, every figure is linked" "$PY" - "$D" <<'PY'
import csv, os, sys, h5py
d = sys.argv[1]
for row in csv.DictReader(open(f"{d}/report/accuracy.csv")):
    e = h5py.File(f"{d}/{row['file']}", "r")
    assert int(row["correct"]) == int(e["questions/correct"][:].sum()) and int(row["total"]) == len(e["questions/correct"]), row
index = open(f"{d}/report/index.md").read()
pngs = [f for f in os.listdir(f"{d}/report") if f.endswith(".png")]
assert len(pngs) >= 6 and all(p in index for p in pngs), pngs
assert "ds_weights_by_style.png" in pngs and os.path.exists(f"{d}/report/styles.csv"), pngs
bare = list(csv.DictReader(open(f"{d}/report/answer_styles.csv")))
assert {r["method"] for r in bare} == {"base", "LMSI", "IWSI k=80", "IWSI k=50"}, bare
PY
out=$(mpirun -np 2 "$IWSI" "${RUN[@]}" 2>&1)
check "a second invocation does no work" test "$(grep -c 'up to date' <<<"$out")" -eq 13
finish
