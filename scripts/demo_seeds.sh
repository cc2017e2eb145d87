#!/usr/bin/env bash
# The demo's claim, measured honestly: the same demo (configs/demo.ini) over several seeds (task,
# base model, sampling and fine-tuning all reseeded) and a k sweep, with the gold-label oracle as
# a reference. Every IWSI adapter is also evaluated on the labeled valid split, so that k can be
# chosen without looking at the test set; analysis/seeds_summary.py then reports mean and spread
# per strategy, paired differences per seed, and IWSI at the valid-chosen k. Each seed is its own
# run directory, so an interrupted sweep resumes.
# Usage: scripts/demo_seeds.sh [SEEDS...]     (default: 0 1 2 3 4; about 6.5 minutes per seed on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OUT=${IWSI_SEEDS_DIR:-runs/demo_seeds}
KS=${IWSI_SEEDS_KS:-5,10,20,30,40,50,65,80,90,100}
seeds=("${@:-0 1 2 3 4}")
read -r -a seeds <<<"${seeds[*]}"
for seed in "${seeds[@]}"; do
  dir=$OUT/seed$seed
  mpirun -np 2 build/iwsi run --config configs/demo.ini --run.dir "$dir" --data.dir "$dir/task" \
    --model.path "$dir/base" --synth.seed "$seed" --sampling.seed "$seed" --train.seed "$seed" \
    --run.strategies lmsi,iwsi,oracle --run.ks "$KS"
  for k in ${KS//,/ }; do
    [ -f "$dir/valid-iwsi-k$k.h5" ] ||
      mpirun -np 2 build/iwsi eval --config configs/demo.ini --data.dir "$dir/task" --model.path "$dir/base" \
        --eval.split valid --eval.adapter "$dir/train-iwsi-k$k" --eval.output "$dir/valid-iwsi-k$k.h5"
  done
done
/usr/bin/python3 analysis/seeds_summary.py "$OUT"
