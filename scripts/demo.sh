#!/usr/bin/env bash
# The main job on the embedded demo. Until the synthetic IWSI demo lands (issue 8), it runs the
# real MPI jobs that exist on the shared tiny model: a parallel-HDF5 self-check and `iwsi decode`
# of a few prompts with stories260K on 2 ranks. Outputs go to runs/demo/.
# Usage: scripts/demo.sh     (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OUT=runs/demo
mkdir -p "$OUT"
mpirun -np 2 build/iwsi check --check.output "$OUT/check.h5" --check.rows_per_rank 200000
if build/iwsi --help | grep -q '^  decode '; then
  mpirun -np 2 build/iwsi decode --config configs/decode_stories.ini
  /usr/bin/python3 - "$OUT/stories.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
c, q = f["candidates"], f["questions"]
text = lambda col, i: bytes(col["values"][col["offsets"][i]:col["offsets"][i + 1]]).decode()
for i in range(min(4, len(c["question_index"]))):
    print(f"--- prompt {c['question_index'][i]} sample {c['sample_index'][i]}: {text(q['prompt'], c['question_index'][i])!r}")
    print(text(c["text"], i))
PY
fi
