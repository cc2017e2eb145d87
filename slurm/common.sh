# Sourced by every iwsi sbatch script (never run by itself). It sets up, once, what every job step
# needs: the iwsi binary, threads per rank, Open MPI / NCCL settings, GPU binding, and `iwsi_stages`,
# which runs stages of a run directory's plan on all the job's tasks with `srun --mpi=pmix`,
# forwards Slurm's warning signal (USR1, from `#SBATCH --signal=B:USR1@SECONDS`) to them, and
# requeues the job when they stopped early to be resumed. It does not choose resources (the
# #SBATCH lines and slurm/submit.sh do).

IWSI_ROOT=${IWSI_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
IWSI_SLURM_DIR=${IWSI_SLURM_DIR:-$IWSI_ROOT/slurm}
IWSI_BIN=${IWSI_BIN:-$IWSI_ROOT/build/iwsi}
IWSI_EXIT_REQUEUE=75                            # iwsi's kExitRequeue: stopped on a signal, state saved
IWSI_MAX_REQUEUES=${IWSI_MAX_REQUEUES:-20}      # a job that never finishes stops being requeued

# Threads per rank: iwsi reads SLURM_CPUS_PER_TASK itself (--runtime.threads wins), so no
# OMP_NUM_THREADS or the like is set here. Since Slurm 22.05 srun no longer inherits
# --cpus-per-task from sbatch; SRUN_CPUS_PER_TASK passes it on, so each rank gets its cores.
if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then export SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK; fi

# Open MPI: srun starts the ranks through PMIx by default (the only plugin Debian's Open MPI works
# with), so none of mpirun's settings (run as root, oversubscribe, hostfile) apply and none are set.
# Sites whose MPI wants another plugin (pmi2, cray_shasta) set [slurm] mpi, passed as IWSI_SRUN_MPI.
IWSI_SRUN_ARGS=(--mpi="${IWSI_SRUN_MPI:-pmix}" --ntasks="${SLURM_NTASKS:-1}")

# PMIx keeps a directory per job step, spmix_appdir_<uid>_<job>.<step>, under the node's TmpFS and
# leaves it behind when a step is killed (say, on preemption). A requeued job has the same job id
# and step numbers, and srun would then fail to start the ranks (and still exit 0), so a restarted
# job gets a base directory of its own on every node (an empty directory per restart is left).
if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then
  IWSI_TMPFS=$(scontrol show config 2>/dev/null | awk '$1 == "TmpFS" {print $3}')
  export SLURM_PMIX_TMPDIR="${IWSI_TMPFS:-/tmp}/iwsi-pmix-${SLURM_JOB_ID}-restart${SLURM_RESTART_COUNT}"
  if [ "${SLURM_JOB_NUM_NODES:-1}" -gt 1 ]; then
    srun --mpi=none --ntasks-per-node=1 --ntasks="$SLURM_JOB_NUM_NODES" mkdir -p "$SLURM_PMIX_TMPDIR"
  else
    mkdir -p "$SLURM_PMIX_TMPDIR"
  fi
fi

# GPUs (a job submitted with --gpus*): every rank sees all GPUs of its node and iwsi's
# `--model.device auto` takes cuda:<local rank % GPUs>, one GPU per rank; device buffers are
# reduced with NCCL, which is told to report only problems unless the user asked for more.
if [ "${SLURM_GPUS_ON_NODE:-0}" -gt 0 ] 2>/dev/null; then
  IWSI_SRUN_ARGS+=(--gpu-bind=none)
  export NCCL_DEBUG=${NCCL_DEBUG:-WARN}
  # Ranks on this node: SLURM_NTASKS_PER_NODE when the job asked for it, else the busiest node's
  # share of SLURM_NTASKS (not the job's total, which on several nodes is not one node's load).
  iwsi_nodes=${SLURM_JOB_NUM_NODES:-1}
  iwsi_ranks_here=${SLURM_NTASKS_PER_NODE:-$(( (${SLURM_NTASKS:-1} + iwsi_nodes - 1) / iwsi_nodes ))}
  if [ "$iwsi_ranks_here" -gt "$SLURM_GPUS_ON_NODE" ] 2>/dev/null; then
    echo "iwsi-slurm: warning: $iwsi_ranks_here ranks per node but $SLURM_GPUS_ON_NODE GPU(s) per node;" \
      "ranks will share GPUs" >&2
  fi
fi

IWSI_JOB_NAME=${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}   # as squeue shows it
IWSI_JOB_NAME=${IWSI_JOB_NAME:-${SLURM_JOB_ID:-?}}
iwsi_log() { echo "iwsi-slurm $(date -u +%FT%TZ) job $IWSI_JOB_NAME: $*" >&2; }

# Signal plumbing. Bash runs a trap only between commands, so the step runs in the background and
# the script waits for it; USR1 (the warning before a time limit) is passed to srun, which passes
# it to every rank, and iwsi finishes its current unit of work, saves it and exits 75. TERM means
# Slurm itself ends the job (scancel, preemption, the time limit): passed on too, but it is never
# a reason to requeue here (a preempted --requeue job is requeued by Slurm itself).
IWSI_WARNED=0
IWSI_TERMINATING=0
IWSI_STEP_PID=
_iwsi_on_usr1() {
  IWSI_WARNED=1
  iwsi_log "warning signal (USR1): asking the running step to save its work and stop"
  if [ -n "$IWSI_STEP_PID" ]; then kill -USR1 "$IWSI_STEP_PID" 2>/dev/null; fi
}
_iwsi_on_term() {
  IWSI_TERMINATING=1
  if [ -n "$IWSI_STEP_PID" ]; then kill -TERM "$IWSI_STEP_PID" 2>/dev/null; fi
}
trap _iwsi_on_usr1 USR1
trap _iwsi_on_term TERM

# Puts this job back in the queue (it starts again from the top of its script and skips the steps
# whose output is complete) and ends this run. When Slurm refuses (--no-requeue, too many restarts)
# the job ends with 75 and the saved work waits for a manual resubmission.
iwsi_requeue() {
  local restarts=${SLURM_RESTART_COUNT:-0}
  if [ "$restarts" -ge "$IWSI_MAX_REQUEUES" ]; then
    iwsi_log "not requeued: already restarted $restarts times (IWSI_MAX_REQUEUES); resubmit to go on"
  elif scontrol requeue "$SLURM_JOB_ID"; then
    iwsi_log "requeued (restart $((restarts + 1))); the next run resumes from the saved work"
    exit 0
  else
    iwsi_log "scontrol requeue failed; resubmit the same job to resume from the saved work"
  fi
  exit "$IWSI_EXIT_REQUEUE"
}

# iwsi_srun JOB [options...]: `iwsi JOB options` on all the job's tasks. Returns 0 when it
# succeeded and its exit code when it failed; requeues the job (and never returns) when it stopped
# to be resumed: exit 75, or any failure after the warning signal (a binary without a USR1 handler
# dies of the signal; the job's saved work makes the rerun resume all the same).
iwsi_srun() {
  if [ "$IWSI_WARNED" = 1 ] && [ "$IWSI_TERMINATING" = 0 ]; then
    iwsi_log "warning signal came before 'iwsi $1' started; requeueing instead of starting it"
    iwsi_requeue
  fi
  iwsi_log "srun ${IWSI_SRUN_ARGS[*]} $IWSI_BIN $*"
  srun "${IWSI_SRUN_ARGS[@]}" "$IWSI_BIN" "$@" &
  IWSI_STEP_PID=$!
  local rc
  while :; do
    wait "$IWSI_STEP_PID"
    rc=$?
    # wait returns 128+n when a trapped signal interrupted it while the step still runs
    kill -0 "$IWSI_STEP_PID" 2>/dev/null || break
  done
  IWSI_STEP_PID=
  [ "$rc" = 0 ] && return 0
  if [ "$IWSI_TERMINATING" = 0 ] && { [ "$rc" = "$IWSI_EXIT_REQUEUE" ] || [ "$IWSI_WARNED" = 1 ]; }; then
    iwsi_log "'iwsi $1' stopped early (exit $rc) to be resumed"
    iwsi_requeue
  fi
  iwsi_log "'iwsi $1' failed with exit code $rc"
  return "$rc"
}

# iwsi_stages RUN_DIR IDS: `iwsi run --run.only IDS` of the run directory's plan (RUN_DIR/run.ini,
# written by submit.sh) on all the job's tasks; the binary skips the stages that are up to date, so a
# requeued job resumes where its earlier run stopped. Done only when iwsi wrote its receipt: srun can
# end with 0 without ever having started the ranks (Slurm 22.05, "step aborted before step
# completely launched").
iwsi_stages() {
  local run=$1 ids=$2
  local receipt=$run/logs/.receipt-$IWSI_JOB_NAME
  rm -f "$receipt"
  iwsi_srun run --config "$run/run.ini" --run.dir "$run" --run.only "$ids" --run.receipt "$receipt" || return $?
  if [ ! -e "$receipt" ]; then
    iwsi_log "'iwsi run --run.only $ids' ended with exit code 0 but wrote no receipt (did the step start at all?)"
    return 1
  fi
  rm -f "$receipt"
}

# A job without its binary (a hand-submitted one, say) stops here, naming what is missing.
if [ ! -x "$IWSI_BIN" ]; then
  iwsi_log "no iwsi executable at $IWSI_BIN (set IWSI_BIN or build it: scripts/setup.sh)"
  exit 2
fi
