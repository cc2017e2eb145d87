#!/usr/bin/env bash
# Runs the test suite (all but the Slurm test) under contrasting numerics settings: libtorch's CPU
# capability, OpenBLAS's kernel and the threads per rank, each value at least once. Tolerances are
# derived from the arithmetic and results pinned by runtime.numerics, so every setting must pass.
# Prints one line per setting; exit 1 when any failed (its log is kept).
# Usage: scripts/test_numerics.sh [extra ctest arguments]     (after scripts/test.sh built the tests)
set -uo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
wide=avx2
grep -qw avx512f /proc/cpuinfo && wide=avx512
# SLURM_CPUS_PER_TASK sets the threads of every job run whose options do not name them.
settings=(
  "ATEN_CPU_CAPABILITY=default      OPENBLAS_CORETYPE=            SLURM_CPUS_PER_TASK=1"
  "ATEN_CPU_CAPABILITY=avx2         OPENBLAS_CORETYPE=Haswell     SLURM_CPUS_PER_TASK=2"
  "ATEN_CPU_CAPABILITY=$wide        OPENBLAS_CORETYPE=SkylakeX    SLURM_CPUS_PER_TASK=1"
  "ATEN_CPU_CAPABILITY=default      OPENBLAS_CORETYPE=Sandybridge SLURM_CPUS_PER_TASK=2"
)
failed=0
mkdir -p build/numerics
for setting in "${settings[@]}"; do
  read -r -a vars <<<"$setting"
  assignments=()
  unset_args=(-u OPENBLAS_CORETYPE -u ATEN_CPU_CAPABILITY)
  for v in "${vars[@]}"; do [ -n "${v#*=}" ] && assignments+=("$v"); done
  log=build/numerics/$(echo "${assignments[*]}" | tr ' =' '_-').log
  start=$(date +%s)
  if env "${unset_args[@]}" "${assignments[@]}" ctest --test-dir build -E job_slurm_suite --output-on-failure "$@" >"$log" 2>&1; then
    verdict=passed
  else
    verdict=FAILED; failed=1
  fi
  echo "$verdict: ${assignments[*]} (OPENBLAS_CORETYPE unset unless named): $(grep -E 'tests passed' "$log") in $(($(date +%s) - start)) s; log $log"
done
exit $failed
