#!/bin/bash
# Submits the whole IWSI pipeline of one config as Slurm jobs chained with afterok dependencies:
# generate -> weigh (judge for self) -> one filter -> train -> eval per strategy, and an eval of the base model
# (train and eval once the iwsi binary has those jobs). Every stage whose output is already
# complete is skipped, so running it again after a failure submits only what is missing. It only
# submits; `squeue` shows the jobs.
# usage: slurm/submit_pipeline.sh CONFIG.ini [RUN_DIR]
#   CONFIG.ini: the jobs' options ([model], [data], [sampling], [filter] k, ...), plus
#     [pipeline] strategies = iwsi,lmsi   (default: [filter] strategy, else iwsi)
#     [pipeline] run_dir = runs/NAME       (default: runs/<config name>; RUN_DIR wins)
#     [pipeline] until = filter|train|eval (the last stage submitted; default eval)
#     [slurm] nodes, ntasks, ntasks_per_node, cpus_per_task, time, partition, account, qos, constraint,
#             gpus_per_node, gres, mem, mem_per_gpu (sbatch's options of those names), extra (raw sbatch
#             options), mpi (srun's MPI plugin, default pmix), hdf5_file_locking (false on Lustre),
#             array_throttle (sweeps: at most N cells of an array at once)
# Outputs in RUN_DIR: candidates.h5, weights.h5, judgments.h5 (self), filter-S.h5, train-S/, eval-S.h5, eval-base.h5 (the
# base model); logs in RUN_DIR/logs.
set -euo pipefail
source "$(dirname "$0")/submit_lib.sh"
[ $# -ge 1 ] && [ -r "$1" ] || die "usage: slurm/submit_pipeline.sh CONFIG.ini [RUN_DIR]"
CONFIG=$1
RUN=$(realpath -m "${2:-$(ini_get "$CONFIG" pipeline.run_dir "runs/$(basename "$CONFIG" .ini)")}")
STRATEGIES=$(split_list "$(ini_get "$CONFIG" pipeline.strategies "$(ini_get "$CONFIG" filter.strategy iwsi)")")
check_strategies "$STRATEGIES"
TRAIN_DONE=${IWSI_TRAIN_DONE:-train.h5}   # the file iwsi train writes last into its output directory
prepare_run_dir "$CONFIG" "$RUN"
sbatch_options "$CONFIG" "$RUN"
CFG=$RUN/config.ini
stages_until "$(ini_get "$CONFIG" pipeline.until eval)"

plan() {
  local c=$RUN/candidates.h5 w=$RUN/weights.h5 j=$RUN/judgments.h5 s needs_weights=0 needs_judgments=0
  for s in $STRATEGIES; do
    if strategy_uses_weights "$s"; then needs_weights=1; fi
    if strategy_uses_judgments "$s"; then needs_judgments=1; fi
  done
  stage generate "" "$c" -- generate --config "$CFG" --generate.output "$c"
  # the base model's accuracy, the baseline of every strategy
  [ "$WITH_EVAL" = 0 ] ||
    stage eval-base "" "$RUN/eval-base.h5" -- eval --config "$CFG" --eval.output "$RUN/eval-base.h5"
  [ "$needs_weights" = 0 ] ||
    stage weigh generate "$w" -- weigh --config "$CFG" --weigh.candidates "$c" --weigh.output "$w"
  [ "$needs_judgments" = 0 ] ||
    stage judge generate "$j" -- judge --config "$CFG" --judge.candidates "$c" --judge.output "$j"
  for s in $STRATEGIES; do
    local f=$RUN/filter-$s.h5 d=$RUN/train-$s e=$RUN/eval-$s.h5 up=generate scores=()
    if strategy_uses_weights "$s"; then up=weigh scores=(--filter.weights "$w"); fi
    if strategy_uses_judgments "$s"; then up=judge scores=(--filter.judgments "$j"); fi
    stage "filter-$s" "$up" "$f" -- filter --config "$CFG" --filter.candidates "$c" "${scores[@]}" \
      --filter.strategy "$s" --filter.output "$f"
    [ "$WITH_TRAIN" = 1 ] || continue
    stage "train-$s" "filter-$s" "$d/$TRAIN_DONE" -- train --config "$CFG" --train.candidates "$c" \
      --train.selection "$f" --train.output_dir "$d"
    [ "$WITH_EVAL" = 1 ] || continue  # (an adapter's eval needs the train before it)
    stage "eval-$s" "train-$s" "$e" -- eval --config "$CFG" --eval.adapter "$d" --eval.output "$e"
  done
}

echo "pipeline $CONFIG -> $RUN (strategies: $STRATEGIES; $STAGES_NOTE)"
run_plan
