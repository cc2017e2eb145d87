# Helpers for the end-to-end job tests (sourced, not run). Each test script runs the real `iwsi`
# executable ($IWSI_BIN) under mpirun and checks exit codes, logs and HDF5 files.
set -uo pipefail
IWSI=${IWSI_BIN:-build/iwsi}
PY=${PYTHON:-/usr/bin/python3}
SHARED=${IWSI_SHARED_DIR:-../shared}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# More ranks than cores (-np 3 on 2): Open MPI 4 reads the first, Open MPI 5 (PRRTE) the second.
export OMPI_MCA_rmaps_base_oversubscribe=1 PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
WORK=$(mktemp -d /tmp/iwsi-job-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILURES=0
CHECKS=0

ok() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
bad() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "FAILED: $*"; }
check() {  # check "what" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
# expect_failure "what" "expected text in output" command...: must exit non-zero within 60 s and say the text.
expect_failure() {
  local what=$1 text=$2; shift 2
  local out rc
  out=$(timeout 60 "$@" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then bad "$what: exited 0"; echo "$out" | tail -n 5; return; fi
  if [ $rc -eq 124 ]; then bad "$what: hung (killed after 60 s)"; return; fi
  if ! grep -qF -- "$text" <<<"$out"; then bad "$what: output lacks '$text'"; echo "$out" | tail -n 8; return; fi
  ok "$what (exit $rc)"
  # SHOW_MESSAGES=1: print the message itself, so that a reader judges its wording, not just its key.
  if [ "${SHOW_MESSAGES:-0}" = 1 ]; then grep -F -m1 -- "$text" <<<"$out" | sed 's/^[0-9TZ: .-]*\[r[0-9]* [A-Z]*\] /    /' | cut -c1-400; fi
}
finish() {
  echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
  [ "$FAILURES" -eq 0 ]
}
