# `iwsi check` end to end: a collective write from 3 ranks into one file with full provenance; a
# rank that throws ends the whole job quickly with its message; CLI and INI errors are clear.
source "$(dirname "$0")/lib.bash"

out=$WORK/check.h5
check "3-rank collective write and read-back" mpirun -np 3 "$IWSI" check --check.output "$out" --rows_per_rank 1000
check "h5py sees the rows and the provenance" "$PY" - "$out" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
a = f.attrs
assert a["schema"] == "iwsi.check" and a["complete"] == 1, dict(a)
assert a["mpi_ranks"] == 3 and len(a["hostnames"].split(",")) == 3, (a["mpi_ranks"], a["hostnames"])
assert "rows_per_rank = 1000" in a["config"], a["config"]
for lib in ("libtorch", "HDF5", "Open MPI"):
    assert lib in a["versions"], a["versions"]
assert len(a["git_commit"]) >= 7 and a["started_at"] <= a["finished_at"]
n = 3 * 1000 + 0 + 1 + 2
assert list(f["rows/index"][:]) == list(range(n))
off = f["rows/tokens/offsets"][:]
assert len(off) == n + 1 and off[-1] == len(f["rows/tokens/values"])
PY
check "the file records its numerics (deterministic, with a rounding key)" "$PY" -c "
import json, sys, h5py
n = json.loads(h5py.File('$out', 'r').attrs['numerics'])
assert n['mode'] == 'deterministic' and n['rounding_key'].startswith('deterministic; loops '), n
assert n['cpu'] and n['libtorch'] and n['device'] == 'cpu', n"
# In native mode the thread count decides libtorch's rounding: ranks that differ in it are refused.
MIXED=(check --check.output "$WORK/mixed.h5" --runtime.numerics native)
expect_failure "ranks of different numerics are refused" "rank 1 computes with other numerics" \
  mpirun -np 1 "$IWSI" "${MIXED[@]}" --runtime.threads 1 : -np 1 "$IWSI" "${MIXED[@]}" --runtime.threads 2
check "nothing written by the refused job" test ! -e "$WORK/mixed.h5" -a ! -e "$WORK/mixed.h5.tmp"

log=$WORK/fail.log
start=$(date +%s)
timeout 60 mpirun -np 3 "$IWSI" check --check.output "$WORK/failed.h5" --check.fail_rank 1 >"$log" 2>&1
rc=$?
elapsed=$(($(date +%s) - start))
check "a throwing rank fails the job (exit $rc)" test $rc -ne 0 -a $rc -ne 124
check "within seconds ($elapsed s)" test $elapsed -lt 20
check "the log names the rank and the error" grep -q "\[r1 ERROR\] injected failure on rank 1" "$log"
check "no finished-looking output is left" test ! -e "$WORK/failed.h5"

expect_failure "unknown option" "unrecognised option '--check.rowz" "$IWSI" check --check.output x.h5 --check.rowz=3
expect_failure "malformed value" "check.rows_per_rank" "$IWSI" check --check.output x.h5 --rows_per_rank=many
expect_failure "missing required option" "check.output" "$IWSI" check
expect_failure "unknown job" "unknown job 'chek'" "$IWSI" chek
expect_failure "out-of-range value" "option --check.rows_per_rank=-5 is outside" "$IWSI" check --check.output x.h5 --rows_per_rank=-5
printf '[check]\noutput = %s\nrows_per_rank = 5\n\n[check]\nrowz = 1\n' "$WORK/ini.h5" >"$WORK/typo.ini"
expect_failure "typo in an INI file names file and line" "$WORK/typo.ini:6: unknown option 'check.rowz'" "$IWSI" check --config "$WORK/typo.ini"
expect_failure "errors are reported on every rank" "[r1 ERROR]" mpirun -np 2 "$IWSI" check --check.output x.h5 --rows_per_rank=-5

printf '[check]\noutput = %s\nrows_per_rank = 5\n' "$WORK/ini.h5" >"$WORK/good.ini"
check "INI file + command-line override" mpirun -np 2 "$IWSI" check --config "$WORK/good.ini" --rows_per_rank 7
check "the stored configuration is the effective one" "$PY" -c "
import h5py; c = h5py.File('$WORK/ini.h5')['/'].attrs['config']; assert 'rows_per_rank = 7' in c, c"
check "iwsi --help lists the jobs" bash -c "'$IWSI' --help | grep -q '^  check '"
check "iwsi check --help lists options with defaults" bash -c "'$IWSI' check --help | grep -q 'check.rows_per_rank arg (=100000)'"
finish
