#!/bin/bash
# Submits the paper's Table 1 grid: slurm/submit.sh once per dataset config in configs/paper/
# (gsm8k, svamp, anli-r1, anli-r2, openbookqa, strategyqa), each a run of its own in
# runs/paper/<dataset> with the base model's evaluation and every strategy at k = 80. Running it
# again submits only what is not up to date. Set the model once: models/llama-3-8b (see the configs).
# usage: slurm/submit_table1.sh [DATASET...]   (default: all six)
set -euo pipefail
cd "$(dirname "$0")/.."
datasets=("$@")
[ ${#datasets[@]} -gt 0 ] || datasets=(gsm8k svamp anli-r1 anli-r2 openbookqa strategyqa)
for dataset in "${datasets[@]}"; do
  config=configs/paper/$dataset.ini
  [ -r "$config" ] || { echo "error: no $config (datasets: gsm8k svamp anli-r1 anli-r2 openbookqa strategyqa)" >&2; exit 2; }
  echo "== $dataset"
  slurm/submit.sh "$config"
done
