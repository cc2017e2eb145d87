#!/usr/bin/env bash
# The main job on the embedded demo (configs/demo.ini), on 2 ranks: writes a synthetic arithmetic
# task with a context-dependent bad habit, trains a small Llama on it from scratch, lets it answer an
# unlabeled pool 10 times per question, weighs and filters its own answers (LMSI, IWSI), LoRA-tunes
# on each selection and evaluates; prints the accuracy table and writes the report (PNG figures)
# under runs/demo/report/. A second run reuses every finished stage.
# Usage: scripts/demo.sh     (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
start=$(date +%s)
mpirun -np 2 build/iwsi run --config configs/demo.ini "$@"
/usr/bin/python3 analysis/report.py runs/demo --out runs/demo/report
cat runs/demo/report/answer_styles.md
echo "demo: done in $(($(date +%s) - start)) s; accuracy table: runs/demo/accuracy.md, figures: runs/demo/report/index.md"
