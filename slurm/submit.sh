#!/bin/bash
# Submits the stages of one run (`iwsi run`'s plan: generate, weigh, judge, and per strategy, k and
# temperature a filter -> train -> eval cell, plus the base model's evaluation) as Slurm jobs chained
# with afterok dependencies. `iwsi plan` says what the stages are and which must run (a stage is
# skipped when its output is up to date: complete, same settings, unchanged inputs); each stage
# outside a cell is one job of slurm/stage.sbatch, and the cells of one temperature are one job
# array of slurm/cells.sbatch. Running it again after a failure, or with a changed config, submits
# only what must run. It only submits; `squeue` shows the jobs and `iwsi status RUN_DIR` the run.
# usage: slurm/submit.sh CONFIG.ini [RUN_DIR]
#   CONFIG.ini: the jobs' options ([model], [data], [sampling], ...), plus
#     [run] strategies = iwsi,lmsi   ks = 50,80   temperatures = 0.7,1.0 (a sweep; default: one run)
#     [run] dir = runs/NAME (default: runs/<config name>; RUN_DIR wins)   until = filter|train|eval
#     [slurm] nodes, ntasks, ntasks_per_node, cpus_per_task, time, partition, account, qos, constraint,
#             gpus_per_node, gres, mem, mem_per_gpu (sbatch's options of those names), extra (raw sbatch
#             options), mpi (srun's MPI plugin, default pmix), hdf5_file_locking (false on Lustre),
#             array_throttle (at most N cells of an array at once)
# Outputs: as jobs/plan.h names them (iwsi plan lists them), RUN_DIR/run.ini and RUN_DIR/plan.tsv;
# logs in RUN_DIR/logs (one per stage id, / written as _).
set -euo pipefail
source "$(dirname "$0")/submit_lib.sh"
[ $# -ge 1 ] && [ -r "$1" ] || die "usage: slurm/submit.sh CONFIG.ini [RUN_DIR]"
CONFIG=$1
RUN=$(realpath -m "${2:-$(ini_get "$CONFIG" run.dir "runs/$(basename "$CONFIG" .ini)")}")
sbatch_options "$CONFIG" "$RUN"
prepare_run_dir "$CONFIG" "$RUN"
PLAN_ARGS=(--config "$RUN/run.ini" --run.dir "$RUN")   # the command line wins over [run] dir
plan=$("$IWSI_BIN" plan "${PLAN_ARGS[@]}" 2>"$RUN/logs/plan.err") ||
  { grep -v '^\s*$' "$RUN/logs/plan.err" >&2; die "iwsi plan failed: nothing submitted"; }
printf '%s\n' "$plan" >"$RUN/plan.tsv"

declare -A JOB=()     # stage id -> Slurm job id (submitted now)
SUBMITTED=()
slug() { tr '/' '_' <<<"$1"; }
# The afterok dependency on the submitted jobs of the stages named (comma-separated), or nothing.
dependency_of() {
  local ids=() up
  for up in ${1//,/ }; do [ -n "${JOB[$up]:-}" ] && ids+=("${JOB[$up]}"); done
  [ "${#ids[@]}" -eq 0 ] || (IFS=:; echo "--dependency=afterok:${ids[*]}")
}
# sbatch_submit NAME LOG DEPENDENCY ARGS...: prints the job id.
sbatch_submit() {
  local name=$1 log=$2 dependency=$3
  shift 3
  local options=("${SBATCH_OPTIONS[@]}" --job-name="$name" --output="$log")
  [ -z "$dependency" ] || options+=("$dependency")
  sbatch "${options[@]}" "$@" | cut -d';' -f1
}

# The stages of their own, in plan order (which is dependency order).
declare -A ARRAY_AFTER=() ARRAY_CELLS=()
ARRAYS=()
while IFS=$'\t' read -r id job after array cell status reason output; do
  [[ "$id" != "#"* ]] || continue
  if [ "$array" != - ]; then  # collected: one job array per array, submitted below
    [ -n "${ARRAY_CELLS[$array]+x}" ] || { ARRAYS+=("$array"); ARRAY_CELLS[$array]=; ARRAY_AFTER[$array]=; }
    grep -qx -- "$cell" <<<"${ARRAY_CELLS[$array]}" || ARRAY_CELLS[$array]+="$cell"$'\n'
    [ "$after" = - ] || ARRAY_AFTER[$array]+="$after,"
    continue
  fi
  if [ "$status" = done ]; then
    printf '%-24s skip: %s   %s\n' "$id" "$reason" "$output"
    continue
  fi
  JOB[$id]=$(sbatch_submit "iwsi-$id" "$RUN/logs/$(slug "$id")-%j.out" "$(dependency_of "$after")" \
    "$IWSI_SLURM_DIR/stage.sbatch" "$RUN" "$id") || die "sbatch failed for $id"
  SUBMITTED+=("${JOB[$id]}")
  printf '%-24s job %-8s %s   (%s; log %s)\n' "$id" "${JOB[$id]}" "$output" "$reason" "$RUN/logs/$(slug "$id")-${JOB[$id]}.out"
done <<<"$plan"

# Each array: task N runs cell N's stages (RUN/cells/<array>/N lists them), for the cells with a
# stage that must run; `iwsi run --run.only` skips the stages of a cell that are up to date.
for array in "${ARRAYS[@]}"; do
  dir=$RUN/cells/$(slug "$array")
  rm -rf "$dir" && mkdir -p "$dir"
  todo=() n=0 count=0
  while read -r cell; do
    [ -n "$cell" ] || continue
    ids=$(awk -F'\t' -v a="$array" -v c="$cell" '$4 == a && $5 == c { print $1 }' <<<"$plan" | paste -sd,)
    echo "$ids" >"$dir/$n"
    awk -F'\t' -v a="$array" -v c="$cell" '$4 == a && $5 == c && $6 == "run" { found = 1 } END { exit !found }' \
      <<<"$plan" && todo+=("$n")
    n=$((n + 1))
  done <<<"${ARRAY_CELLS[$array]}"
  count=$n
  if [ "${#todo[@]}" -eq 0 ]; then
    printf '%-24s skip: all %d cells done   %s\n' "$array" "$count" "$dir"
    continue
  fi
  list=$(IFS=,; echo "${todo[*]}")
  # ${ARRAY_THROTTLE}: at most that many cells of the array run at once (sbatch's --array=LIST%N)
  id=$(sbatch_submit "iwsi-$array" "$RUN/logs/$(slug "$array")-%A_%a.out" "$(dependency_of "${ARRAY_AFTER[$array]}")" \
    --array="$list${ARRAY_THROTTLE:+%$ARRAY_THROTTLE}" "$IWSI_SLURM_DIR/cells.sbatch" "$RUN" "$dir") ||
    die "sbatch failed for $array"
  SUBMITTED+=("$id")
  printf '%-24s job %-8s cells %s of %d (%d done%s)   %s   (logs %s)\n' "$array" "$id" "$list" "$count" \
    "$((count - ${#todo[@]}))" "${ARRAY_THROTTLE:+, at most $ARRAY_THROTTLE at once}" "$dir" \
    "$RUN/logs/$(slug "$array")-${id}_N.out"
done
echo "outputs in $RUN, logs in $RUN/logs; iwsi status $RUN"
echo "jobs: ${SUBMITTED[*]}"
