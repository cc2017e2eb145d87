# Sourced by submit_pipeline.sh and submit_sweep.sh (the submitting side; common.sh is the jobs'
# side). A submit script describes its stages as a `plan` function of `stage` and `cell_array`
# calls, and `run_plan` runs it three times: to collect every output path (checked at once), to
# decide what runs (refusing to mix remade inputs with old outputs), and to submit with sbatch.
# It does not run iwsi itself and never deletes outputs.

IWSI_SLURM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IWSI_ROOT=$(dirname "$IWSI_SLURM_DIR")
IWSI_BIN=$(realpath -m "${IWSI_BIN:-$IWSI_ROOT/build/iwsi}")
IWSI_TOOLS=$(realpath -m "${IWSI_TOOLS:-$(dirname "$IWSI_BIN")/iwsi-tools}")   # built beside it, without libtorch
export IWSI_SLURM_DIR IWSI_ROOT IWSI_BIN IWSI_TOOLS   # sbatch passes the environment to the jobs

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
[ -x "$IWSI_BIN" ] || die "no iwsi executable at $IWSI_BIN (set IWSI_BIN or run scripts/setup.sh)"
[ -x "$IWSI_TOOLS" ] || die "no iwsi-tools executable at $IWSI_TOOLS (set IWSI_TOOLS or run scripts/setup.sh)"
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"

# What the scripts need to know they ask iwsi-tools (no MPI, no libtorch, no Python or h5py, which a
# login node may lack; each answer takes milliseconds).
ini_get() { "$IWSI_TOOLS" ini get "$@"; }                                  # FILE SECTION.KEY [DEFAULT]
IWSI_JOB_LIST=$("$IWSI_BIN" --help) || die "$IWSI_BIN --help failed"       # loads libtorch: once
has_job() { grep -q "^  $1 " <<<"$IWSI_JOB_LIST"; }                        # is JOB in this binary?
# The strategies and what each takes: name uses_k needs_weights needs_judgments needs_rm_scores.
IWSI_STRATEGIES=$("$IWSI_TOOLS" strategies) || die "$IWSI_TOOLS strategies failed"
strategy_trait() { awk -v s="$1" -v c="$2" '$1 == s { print $c }' <<<"$IWSI_STRATEGIES"; }
strategy_uses_k() { [ "$(strategy_trait "$1" 2)" = 1 ]; }
strategy_uses_weights() { [ "$(strategy_trait "$1" 3)" = 1 ]; }
strategy_uses_judgments() { [ "$(strategy_trait "$1" 4)" = 1 ]; }          # the base model's own ratings
check_strategies() {  # check_strategies "S1 S2 ...": every name is a strategy of this binary
  local s
  for s in $1; do
    [ -n "$(strategy_trait "$s" 1)" ] ||
      die "unknown strategy '$s' (valid: $(cut -d' ' -f1 <<<"$IWSI_STRATEGIES" | paste -sd' '))"
  done
}
split_list() { tr ',' ' ' <<<"$1" | xargs; }                               # "a, b,c" -> "a b c"

# stages_until LAST: WITH_TRAIN / WITH_EVAL = 1 when the run goes that far (LAST: filter, train or
# eval) and this iwsi has the job; STAGES_NOTE says so for the summary line.
stages_until() {
  local last=$1 job note
  case $last in filter | train | eval) ;; *) die "until = $last: expected filter, train or eval" ;; esac
  WITH_TRAIN=0 WITH_EVAL=0 STAGES_NOTE=
  for job in train eval; do
    if [ "$last" = filter ] || { [ "$last" = train ] && [ "$job" = eval ]; }; then
      note="no (until = $last)"
    elif has_job "$job"; then
      note=yes
      if [ "$job" = train ]; then WITH_TRAIN=1; else WITH_EVAL=1; fi
    else
      note="not in this iwsi yet"
    fi
    STAGES_NOTE+="${STAGES_NOTE:+, }$job: $note"
  done
}

# prepare_run_dir CONFIG RUN: RUN/logs, and RUN/config.ini = CONFIG without the scripts' own
# sections (and without those of jobs this binary does not have yet), which every job reads.
prepare_run_dir() {
  local config=$1 run=$2 queued drop=(pipeline sweep slurm) job
  [[ ! "$run" =~ [[:space:]] ]] || die "the run directory '$run' has white space in it; choose another"
  queued=$(squeue -h -o '%i %k' 2>/dev/null | awk -v c="iwsi:$run" '$2 == c {print $1}' | tr '\n' ' ')
  [ -z "$queued" ] || die "jobs of $run are still queued or running ($queued): wait for them or scancel them"
  for job in train eval synth run; do has_job "$job" || drop+=("$job"); done
  mkdir -p "$run/logs"
  "$IWSI_TOOLS" ini strip "$config" "$run/config.ini.new" "${drop[@]}"
  if [ -e "$run/config.ini" ] && ! cmp -s "$run/config.ini" "$run/config.ini.new"; then
    echo "warning: $config differs from the configuration of the earlier submission to $run;" \
      "complete outputs are reused as they are (use a new run directory to redo them)" >&2
  fi
  mv "$run/config.ini.new" "$run/config.ini"
}

# The sbatch options every job of a run gets: resources from the config's [slurm] section, the run
# tag (for the queue check above), the working directory (relative paths in the config).
sbatch_options() {
  local config=$1 run=$2 value
  SBATCH_OPTIONS=(--parsable --chdir="$PWD" --comment="iwsi:$run" --kill-on-invalid-dep=yes)
  local pair
  for pair in nodes:--nodes ntasks:--ntasks ntasks_per_node:--ntasks-per-node cpus_per_task:--cpus-per-task \
              time:--time partition:--partition account:--account qos:--qos constraint:--constraint \
              gpus_per_node:--gpus-per-node gres:--gres mem:--mem mem_per_gpu:--mem-per-gpu; do
    value=$(ini_get "$config" "slurm.${pair%%:*}" "")
    [ -z "$value" ] || SBATCH_OPTIONS+=("${pair#*:}=$value")
  done
  # What the job scripts read from the environment (sbatch passes the submitter's on): the srun MPI
  # plugin (pmix, pmi2, cray_shasta, ...) and HDF5's file locking, which Lustre and some NFS mounts
  # do not support ("unable to lock file" on open).
  value=$(ini_get "$config" slurm.mpi "")
  [ -z "$value" ] || export IWSI_SRUN_MPI=$value
  value=$(ini_get "$config" slurm.hdf5_file_locking "")
  case "$value" in
    "") ;;
    true | TRUE | 1) export HDF5_USE_FILE_LOCKING=TRUE ;;
    false | FALSE | 0) export HDF5_USE_FILE_LOCKING=FALSE ;;
    *) die "$config: [slurm] hdf5_file_locking = $value: expected true or false" ;;
  esac
  ARRAY_THROTTLE=$(ini_get "$config" slurm.array_throttle "")
  [[ -z "$ARRAY_THROTTLE" || "$ARRAY_THROTTLE" =~ ^[1-9][0-9]*$ ]] ||
    die "$config: [slurm] array_throttle = $ARRAY_THROTTLE: expected a positive number of tasks"
  value=$(ini_get "$config" slurm.extra "")
  if [ -n "$value" ]; then
    local extra
    read -r -a extra <<<"$value"
    SBATCH_OPTIONS+=("${extra[@]}")
  fi
}

declare -A COMPLETE=() JOB=()
PLAN_MODE=collect
PLAN_OUTPUTS=()
PLAN_CONFLICTS=()
SUBMITTED=()

# The job ids of the stages named (those that run) as an sbatch dependency option, or nothing.
dependency_of() {
  local ids=() up
  for up in $1; do [ -n "${JOB[$up]:-}" ] && ids+=("${JOB[$up]}"); done
  [ "${#ids[@]}" -eq 0 ] || (IFS=:; echo "--dependency=afterok:${ids[*]}")
}

# sbatch_submit NAME LOG DEPENDENCY ARGS...: prints the job id (a placeholder when only checking).
sbatch_submit() {
  local name=$1 log=$2 dependency=$3
  shift 3
  if [ "$PLAN_MODE" = check ]; then echo planned; return; fi
  local options=("${SBATCH_OPTIONS[@]}" --job-name="$name" --output="$log")
  [ -z "$dependency" ] || options+=("$dependency")
  sbatch "${options[@]}" "$@" | cut -d';' -f1
}

# stage ID "UPSTREAM IDS" OUTPUT [sbatch options...] -- JOB [iwsi options...]: one job of
# slurm/stage.sbatch, submitted unless OUTPUT is complete and no upstream stage runs.
stage() {
  local id=$1 upstream=$2 output=$3
  shift 3
  if [ "$PLAN_MODE" = collect ]; then PLAN_OUTPUTS+=("$output"); return; fi
  local dependency options=()
  dependency=$(dependency_of "$upstream")
  while [ "$1" != -- ]; do options+=("$1"); shift; done
  shift
  if [ "${COMPLETE[$output]}" = 1 ]; then
    [ -z "$dependency" ] || PLAN_CONFLICTS+=("$output is complete but its inputs are being remade")
    JOB[$id]=
    [ "$PLAN_MODE" = submit ] && printf '%-24s skip: complete   %s\n' "$id" "$output"
    return 0
  fi
  JOB[$id]=$(sbatch_submit "iwsi-$id" "$RUN/logs/$id-%j.out" "$dependency" "${options[@]}" \
    "$IWSI_SLURM_DIR/stage.sbatch" "$output" "$@") || die "sbatch failed for $id"
  if [ "$PLAN_MODE" = submit ]; then
    SUBMITTED+=("${JOB[$id]}")
    printf '%-24s job %-8s %s   (log %s)\n' "$id" "${JOB[$id]}" "$output" "$RUN/logs/$id-${JOB[$id]}.out"
  fi
}

# cell_array ID "UPSTREAM IDS" CELLS_DIR: one job array of slurm/cells.sbatch over the cells
# CELLS_DIR/N.steps (N = 0, 1, ...) that have an incomplete output; a cell whose outputs are all
# complete is skipped. Complete outputs that would be remade from new inputs are a conflict, as in
# `stage`: after a step that must run, and in every cell when an upstream stage runs.
cell_array() {
  local id=$1 upstream=$2 dir=$3 steps n output todo=() done_count=0 dependency
  local count
  count=$(find "$dir" -maxdepth 1 -name '*.steps' | wc -l)
  if [ "$PLAN_MODE" = collect ]; then
    for ((n = 0; n < count; n++)); do PLAN_OUTPUTS+=($(cut -f1 "$dir/$n.steps")); done
    return
  fi
  dependency=$(dependency_of "$upstream")
  for ((n = 0; n < count; n++)); do
    local cell_done=1 any_done=0
    for output in $(cut -f1 "$dir/$n.steps"); do  # the steps in order: each reads the ones before
      if [ "${COMPLETE[$output]}" = 1 ]; then
        any_done=1
        [ "$cell_done" = 1 ] ||
          PLAN_CONFLICTS+=("$output is complete but a step before it in $dir/$n.steps must run again")
      else
        cell_done=0
      fi
    done
    if [ "$cell_done" = 1 ] && [ -z "$dependency" ]; then done_count=$((done_count + 1)); continue; fi
    [ "$any_done" = 0 ] || [ -z "$dependency" ] ||
      PLAN_CONFLICTS+=("$dir/$n.steps has complete outputs but its inputs are being remade")
    todo+=("$n")
  done
  JOB[$id]=
  if [ "${#todo[@]}" -eq 0 ]; then
    [ "$PLAN_MODE" = submit ] && printf '%-24s skip: all %d cells complete   %s\n' "$id" "$count" "$dir"
    return 0
  fi
  local array
  array=$(IFS=,; echo "${todo[*]}")
  # ${ARRAY_THROTTLE}: at most that many cells of the array run at once (sbatch's --array=LIST%N)
  JOB[$id]=$(sbatch_submit "iwsi-$id" "$RUN/logs/$id-%A_%a.out" "$dependency" --array="$array${ARRAY_THROTTLE:+%$ARRAY_THROTTLE}" \
    "$IWSI_SLURM_DIR/cells.sbatch" "$dir") || die "sbatch failed for $id"
  if [ "$PLAN_MODE" = submit ]; then
    SUBMITTED+=("${JOB[$id]}")
    printf '%-24s job %-8s cells %s of %d (%d complete%s)   %s   (logs %s)\n' "$id" "${JOB[$id]}" "$array" \
      "$count" "$done_count" "${ARRAY_THROTTLE:+, at most $ARRAY_THROTTLE at once}" "$dir" "$RUN/logs/$id-${JOB[$id]}_N.out"
  fi
}

# run_plan: collect the outputs, check them all in one go, decide, and submit; prints the job ids.
run_plan() {
  PLAN_MODE=collect
  plan
  local flags=() i
  if [ "${#PLAN_OUTPUTS[@]}" -gt 0 ]; then
    mapfile -t flags < <("$IWSI_TOOLS" complete "${PLAN_OUTPUTS[@]}")
  fi
  for i in "${!PLAN_OUTPUTS[@]}"; do COMPLETE[${PLAN_OUTPUTS[$i]}]=${flags[$i]:-0}; done
  PLAN_MODE=check
  plan
  if [ "${#PLAN_CONFLICTS[@]}" -gt 0 ]; then
    printf '  %s\n' "${PLAN_CONFLICTS[@]}" >&2
    die "nothing submitted: remove the outputs above (or use a new run directory)" \
      "so that no result mixes old and new inputs"
  fi
  JOB=()
  PLAN_MODE=submit
  plan
  echo "outputs in $RUN, logs in $RUN/logs"
  echo "jobs: ${SUBMITTED[*]}"
}
