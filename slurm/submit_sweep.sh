#!/bin/bash
# Submits a k x T sweep: per temperature T one generate job and (when a strategy needs DS weights)
# one weigh job (and one judge job for the self baseline), writing one candidate file per T; then
# per T one job array whose tasks are the cells (k, strategy) of that T: each filters (and trains
# and evaluates once the iwsi binary has those jobs) from that T's candidate file, so the k axis
# never regenerates or rescores.
# Re-submitting skips every stage and cell whose outputs are complete.
# usage: slurm/submit_sweep.sh SWEEP.ini [RUN_DIR]
#   SWEEP.ini: [sweep] temperatures = 0.7,1.0   ks = 50,80   strategies = iwsi (default)
#              [sweep] run_dir = runs/NAME (default: runs/<file name>; RUN_DIR wins)
#              [sweep] until = filter|train|eval (the last step of a cell; default eval)
#              [slurm] as for submit_pipeline.sh; every other section is the base config of all jobs.
#   Strategies without k (lmsi, none, oracle, iwsi-w) get one cell per T.
# Outputs in RUN_DIR/T<T>/: candidates.h5, weights.h5, filter-S-kK.h5 (filter-S.h5 without k),
# train-S-kK/, eval-S-kK.h5, cells/N.steps (what array task N runs); RUN_DIR/eval-base.h5 (the base
# model); logs in RUN_DIR/logs.
set -euo pipefail
source "$(dirname "$0")/submit_lib.sh"
[ $# -ge 1 ] && [ -r "$1" ] || die "usage: slurm/submit_sweep.sh SWEEP.ini [RUN_DIR]"
SWEEP=$1
RUN=$(realpath -m "${2:-$(ini_get "$SWEEP" sweep.run_dir "runs/$(basename "$SWEEP" .ini)")}")
TEMPERATURES=$(split_list "$(ini_get "$SWEEP" sweep.temperatures)")
KS=$(split_list "$(ini_get "$SWEEP" sweep.ks)")
STRATEGIES=$(split_list "$(ini_get "$SWEEP" sweep.strategies iwsi)")
check_strategies "$STRATEGIES"
TRAIN_DONE=${IWSI_TRAIN_DONE:-train.h5}   # the file iwsi train writes last into its output directory
prepare_run_dir "$SWEEP" "$RUN"
sbatch_options "$SWEEP" "$RUN"
CFG=$RUN/config.ini
stages_until "$(ini_get "$SWEEP" sweep.until eval)"
NEEDS_WEIGHTS=0 NEEDS_JUDGMENTS=0
for s in $STRATEGIES; do
  if strategy_uses_weights "$s"; then NEEDS_WEIGHTS=1; fi
  if strategy_uses_judgments "$s"; then NEEDS_JUDGMENTS=1; fi
done

# step OUTPUT JOB [options...]: one TAB-separated line of a cell's steps file.
step() { (IFS=$'\t'; echo "$*"); }

# write_cells DIR: DIR/cells/N.steps for every (strategy, k) cell of one temperature.
write_cells() {
  local dir=$1 c=$1/candidates.h5 w=$1/weights.h5 s k n=0
  rm -rf "$dir/cells" && mkdir -p "$dir/cells"
  for s in $STRATEGIES; do
    local k_values=$KS
    strategy_uses_k "$s" || k_values=-
    for k in $k_values; do
      local name=$s k_option=() scores=()
      [ "$k" = - ] || { name=$s-k$k; k_option=(--filter.k "$k"); }
      if strategy_uses_weights "$s"; then scores=(--filter.weights "$w"); fi
      if strategy_uses_judgments "$s"; then scores=(--filter.judgments "$dir/judgments.h5"); fi
      local f=$dir/filter-$name.h5 d=$dir/train-$name e=$dir/eval-$name.h5
      {
        step "$f" filter --config "$CFG" --filter.candidates "$c" "${scores[@]}" --filter.strategy "$s" \
          "${k_option[@]}" --filter.output "$f"
        [ "$WITH_TRAIN" = 0 ] || step "$d/$TRAIN_DONE" train --config "$CFG" --train.candidates "$c" \
          --train.selection "$f" --train.output_dir "$d"
        [ "$WITH_TRAIN" = 0 ] || [ "$WITH_EVAL" = 0 ] || step "$e" eval --config "$CFG" --eval.adapter "$d" \
          --eval.output "$e"
      } > "$dir/cells/$n.steps"
      n=$((n + 1))
    done
  done
}

plan() {
  local t
  # the base model's accuracy, once for the whole sweep
  [ "$WITH_EVAL" = 0 ] ||
    stage eval-base "" "$RUN/eval-base.h5" -- eval --config "$CFG" --eval.output "$RUN/eval-base.h5"
  for t in $TEMPERATURES; do
    local dir=$RUN/T$t
    local c=$dir/candidates.h5 w=$dir/weights.h5 up=generate-T$t
    [ "$PLAN_MODE" != collect ] || { mkdir -p "$dir" && write_cells "$dir"; }
    stage "generate-T$t" "" "$c" -- generate --config "$CFG" --sampling.temperature "$t" --generate.output "$c"
    if [ "$NEEDS_WEIGHTS" = 1 ]; then
      stage "weigh-T$t" "generate-T$t" "$w" -- weigh --config "$CFG" --weigh.candidates "$c" --weigh.output "$w"
      up="generate-T$t weigh-T$t"
    fi
    if [ "$NEEDS_JUDGMENTS" = 1 ]; then
      stage "judge-T$t" "generate-T$t" "$dir/judgments.h5" -- judge --config "$CFG" --judge.candidates "$c" \
        --judge.output "$dir/judgments.h5"
      up="$up judge-T$t"
    fi
    cell_array "cells-T$t" "$up" "$dir/cells"
  done
}

echo "sweep $SWEEP -> $RUN (T: $TEMPERATURES; k: $KS; strategies: $STRATEGIES; $STAGES_NOTE)"
run_plan
