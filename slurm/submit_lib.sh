# Sourced by slurm/submit.sh (the submitting side; common.sh is the jobs' side): where the binaries
# are, and the sbatch options of a run from its config's [slurm] section. The plan itself (stages,
# files, what is up to date) comes from `iwsi plan`; nothing here knows a stage or a file name.

IWSI_SLURM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IWSI_ROOT=$(dirname "$IWSI_SLURM_DIR")
IWSI_BIN=$(realpath -m "${IWSI_BIN:-$IWSI_ROOT/build/iwsi}")
IWSI_TOOLS=$(realpath -m "${IWSI_TOOLS:-$(dirname "$IWSI_BIN")/iwsi-tools}")   # built beside it, without libtorch
export IWSI_SLURM_DIR IWSI_ROOT IWSI_BIN IWSI_TOOLS   # sbatch passes the environment to the jobs

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
[ -x "$IWSI_BIN" ] || die "no iwsi executable at $IWSI_BIN (set IWSI_BIN or run scripts/setup.sh)"
[ -x "$IWSI_TOOLS" ] || die "no iwsi-tools executable at $IWSI_TOOLS (set IWSI_TOOLS or run scripts/setup.sh)"
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"

# INI questions go to iwsi-tools (no MPI, no libtorch, no Python or h5py, which a login node may
# lack; each answer takes milliseconds).
ini_get() { "$IWSI_TOOLS" ini get "$@"; }                                  # FILE SECTION.KEY [DEFAULT]

# prepare_run_dir CONFIG RUN: RUN/logs, and RUN/run.ini = CONFIG without [slurm], which every job
# of the run reads (and `iwsi status RUN` after it).
prepare_run_dir() {
  local config=$1 run=$2 queued
  [[ ! "$run" =~ [[:space:]] ]] || die "the run directory '$run' has white space in it; choose another"
  queued=$(squeue -h -o '%i %k' 2>/dev/null | awk -v c="iwsi:$run" '$2 == c {print $1}' | tr '\n' ' ')
  [ -z "$queued" ] || die "jobs of $run are still queued or running ($queued): wait for them or scancel them"
  mkdir -p "$run/logs"
  "$IWSI_TOOLS" ini strip "$config" "$run/run.ini.new" slurm
  if [ -e "$run/run.ini" ] && ! cmp -s "$run/run.ini" "$run/run.ini.new"; then
    echo "note: $config differs from the configuration of the earlier submission to $run;" \
      "the stages whose settings changed run again (iwsi plan says which)" >&2
  fi
  mv "$run/run.ini.new" "$run/run.ini"
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
