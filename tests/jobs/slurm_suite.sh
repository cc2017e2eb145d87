# The Slurm scripts (slurm/) end to end on a real single-node Slurm cluster on localhost (started
# from tests/slurm in a temp dir, always stopped at the end), with the real stories260K model on
# GSM8K slices and 2 tasks per job: (1) submit.sh chains generate -> weigh -> an array of filter
# (-> train -> eval) cells as `iwsi plan` says, and skips what is up to date; (2) submit.sh runs a
# 2 x 2 k x T sweep with one candidate file per T shared by its k cells; (3) a generate job warned with USR1 requeues itself and resumes to the
# same data as an uninterrupted run. Needs root, Slurm, munge (scripts/setup.sh installs them).
source "$(dirname "$0")/lib.bash"
if ! command -v slurmctld >/dev/null || ! command -v sbatch >/dev/null; then
  echo "FAILED: Slurm is not installed (scripts/setup.sh)"; exit 1
fi
[ "$(id -u)" = 0 ] || { echo "FAILED: the local Slurm cluster needs root"; exit 1; }
export IWSI_BIN=$(realpath "$IWSI")
CLUSTER=$WORK/cluster
# Always stop the cluster, also when a check or the script fails; IWSI_KEEP_WORK=1 keeps the files.
trap 'tests/slurm/down.sh "$CLUSTER"; [ -n "${IWSI_KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
trap 'exit 143' TERM INT
START=$(date +%s)

# --- helpers -----------------------------------------------------------------------------------
# The test configs: the demo configs with this machine's shared folder and 1 thread per rank.
test_config() {  # test_config SOURCE.ini OUT.ini [sed expressions...]
  local source=$1 out=$2
  shift 2
  sed -e "s#\.\./shared#$SHARED#" "$@" "$source" > "$out"
  printf '\n[runtime]\nthreads = 1\n' >> "$out"
}
job_ids() { sed -n 's/^jobs: *//p' <<<"$1"; }        # the ids a submit script printed
# Waits until none of the jobs is queued or running (at most 240 s), then succeeds iff every job
# (every task of an array) ended COMPLETED; prints the log tails of the others.
all_completed() {
  local ids=$1 list
  list=$(echo $ids | tr ' ' ',')  # unquoted: runs of spaces become one comma
  [ -n "$list" ] || return 0
  for _ in $(seq 1200); do
    squeue -h -j "$list" 2>/dev/null | grep -q . || break
    sleep 0.2
  done
  local id states ok=0
  for id in $ids; do
    states=$(scontrol show job "$id" | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' ')
    if [ "$states" != "JobState=COMPLETED " ]; then
      echo "job $id: $states"; ok=1
      scontrol show job "$id" | grep -o 'StdOut=[^ ]*' | cut -d= -f2 |
        while read -r log; do grep -m 5 'ERROR\|error' "$log"; tail -n 3 "$log"; done 2>/dev/null
    fi
  done
  return $ok
}
complete() { [ "$("$IWSI" complete "$@" | sort -u)" = 1 ]; }  # every path given is complete

# --- the cluster ---------------------------------------------------------------------------------
check "the single-node Slurm cluster starts" tests/slurm/up.sh "$CLUSTER"
export SLURM_CONF=$CLUSTER/slurm.conf
sinfo -h -N -o %t 2>/dev/null | grep -qx idle || { echo "FAILED: no cluster, nothing else can run"; finish; exit 1; }

# --- submit everything at once (the cluster runs jobs side by side) -------------------------------
# (1) the pipeline on the demo config: a real generate -> weigh -> one array of 2 filter cells (the
# config stops there, until = filter: stories260K's selections are empty, nothing to train on).
test_config configs/pipeline_demo.ini "$WORK/pipeline.ini"
out_pipe=$(slurm/submit.sh "$WORK/pipeline.ini" "$WORK/pipe" 2>&1)
check "submit.sh submits generate, weigh and one array of 2 filter cells" test "$(job_ids "$out_pipe" | wc -w)" = 3 -a \
  "$(grep -c 'cells 0,1 of 2 (0 done)' <<<"$out_pipe")" = 1
echo "$out_pipe"
# (1b) the same pipeline where the candidate file holds real GSM8K solutions (so the selections are
# not empty) with the provenance of a real generate of this config: the plan takes it as up to
# date, so generate is skipped; weigh, the base model's eval and an array of 3 filter -> train ->
# eval cells run.
mkdir -p "$WORK/pipe_mc"
test_config configs/pipeline_demo.ini "$WORK/pipeline_mc.ini" -e 's#^strategies = .*#strategies = iwsi, lmsi, none#' \
  -e 's#^until = .*#until = eval#'
mpirun -np 2 "$IWSI" run --config "$WORK/pipeline_mc.ini" --run.dir "$WORK/pipe_mc" --run.only generate \
  >"$WORK/pipe_mc_generate.log" 2>&1
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/pipe_mc/real.h5" 20 "$WORK/pipe_mc/candidates.h5" &&
  mv "$WORK/pipe_mc/real.h5" "$WORK/pipe_mc/candidates.h5"
out_mc=$(slurm/submit.sh "$WORK/pipeline_mc.ini" "$WORK/pipe_mc" 2>&1)
echo "$out_mc"
check "an up-to-date candidate file is not generated again" grep -q "^generate  *skip: up to date" <<<"$out_mc"
check "eval-base, weigh and one array of 3 cells are submitted for it" test "$(job_ids "$out_mc" | wc -w)" = 3 -a \
  "$(grep -c 'cells 0,1,2 of 3 (0 done)' <<<"$out_mc")" = 1
# (2) the 2 x 2 sweep: temperatures 0.7, 1.0 x k 50, 80 with strategy iwsi.
test_config configs/sweep_demo.ini "$WORK/sweep.ini"
out_sweep=$(slurm/submit.sh "$WORK/sweep.ini" "$WORK/sweep" 2>&1)
echo "$out_sweep"
check "submit.sh submits per T a generate, a weigh and one array of 2 cells (at most 2 at once)" \
  test "$(job_ids "$out_sweep" | wc -w)" = 6 -a "$(grep -c 'cells 0,1 of 2 (0 done, at most 2 at once)' <<<"$out_sweep")" = 2 -a \
  "$(for id in $(job_ids "$out_sweep"); do scontrol show job "$id"; done | grep -c 'ArrayTaskThrottle=2')" -ge 2
bad_slurm=$WORK/bad_slurm.ini
sed 's#^hdf5_file_locking = .*#hdf5_file_locking = maybe#' "$WORK/sweep.ini" >"$bad_slurm"
expect_failure "a bad [slurm] value is refused before anything is submitted" \
  "[slurm] hdf5_file_locking = maybe: expected true or false" slurm/submit.sh "$bad_slurm" "$WORK/bad_sweep"
sed 's#^strategies = .*#strategies = iwsi,best#' "$WORK/sweep.ini" >"$WORK/bad_strategy.ini"
expect_failure "an unknown strategy is refused by the binary's plan, listing its own" \
  'unknown strategy of --run.strategies "best" (valid: none, lmsi, iwsi, entropy, self, rm, oracle, iwsi-w, entropy-paper, self-paper)' \
  slurm/submit.sh "$WORK/bad_strategy.ini" "$WORK/bad_sweep"
check "... and nothing of it was queued" test -z "$(squeue -h -o '%k' | grep bad_sweep)"
check "the Slurm scripts run no Python (a login node may lack it, or h5py)" \
  bash -c '! grep -nE "python|\.py\b" slurm/*.sh slurm/*.sbatch'
check "the Slurm scripts name no stage file (the binary's plan does)" \
  bash -c '! grep -nE "candidates\.h5|weights\.h5|filter-|eval-|train-" slurm/*.sh slurm/*.sbatch'

# (3) a slow generate (10 chunks of 2 questions, 96 tokens per sample) that will be warned, and the
# same generate uninterrupted as the reference; both through slurm/stage.sbatch as submit.sh runs it.
test_config configs/pipeline_demo.ini "$WORK/slow_demo.ini" -e 's#^pool_size = .*#pool_size = 20#' \
  -e '/^\[sampling\]/,/^\[/ s#^max_new_tokens = .*#max_new_tokens = 96\nignore_eos = true#'
stage_job() {  # stage_job NAME: sbatch of the generate stage of run directory $WORK/NAME; prints the id
  mkdir -p "$WORK/$1/logs" && cp "$WORK/slow_demo.ini" "$WORK/$1/run.ini"
  sbatch --parsable --ntasks=2 --job-name="$1" --output="$WORK/$1-%j.out" slurm/stage.sbatch "$WORK/$1" generate
}
slow=$(stage_job slow)
reference=$(stage_job reference)

# --- (3) preemption: the warning signal mid-run -> requeue -> resume ------------------------------
for _ in $(seq 600); do  # until the slow job has finished a chunk (at most 120 s) or has ended
  [ "$(ls "$WORK/slow/candidates.h5.chunks" 2>/dev/null | grep -c '^chunk-.*h5$')" -ge 1 ] && break
  squeue -h -j "$slow" 2>/dev/null | grep -q . || break
  sleep 0.2
done
chunks_before=$(ls "$WORK/slow/candidates.h5.chunks" 2>/dev/null | grep -c '^chunk-.*h5$')
# What `#SBATCH --signal=B:USR1@300` does before a time limit: USR1 to the batch shell only.
check "the slow job is running with $chunks_before of 10 chunks done when warned" \
  test "$chunks_before" -ge 1 -a "$chunks_before" -lt 10 -a ! -e "$WORK/slow/candidates.h5"
scancel --signal=USR1 --batch "$slow"
for _ in $(seq 300); do  # until the job is back in the queue (at most 60 s)
  scontrol show job "$slow" | grep -q 'Restarts=[1-9]' && break
  sleep 0.2
done
check "the warned job requeued itself" bash -c "scontrol show job $slow | grep -q 'Restarts=1'"
# Slurm holds the requeued job until its first run's credentials expire (AuthInfo=cred_expire=10
# in tests/slurm/slurm.conf.in), then starts it again by itself. Moving its StartTime earlier
# would race the credential revocation and get the job killed.

# --- wait for everything -------------------------------------------------------------------------
ALL="$(job_ids "$out_pipe") $(job_ids "$out_mc") $(job_ids "$out_sweep") $slow $reference"
check "every job ended COMPLETED (exit 0)" all_completed "$ALL"
echo "all jobs done after $(($(date +%s) - START)) s"

# --- (1) pipeline checks ---------------------------------------------------------------------------
P=$WORK/pipe
check "every pipeline output is complete" complete "$P"/{candidates,weights,filter-iwsi-k50,filter-lmsi}.h5
check "each stage read the file the stage before it wrote (sha256 in the inputs attribute)" "$PY" - "$P" <<'PY'
import hashlib, json, sys, h5py
d = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
inputs = lambda p: {i["path"]: i["sha256"] for i in json.loads(h5py.File(p, "r").attrs["inputs"])}
c, w = f"{d}/candidates.h5", f"{d}/weights.h5"
assert inputs(w)[c] == sha(c)
assert inputs(f"{d}/filter-iwsi-k50.h5") == {c: sha(c), w: sha(w)}, "iwsi reads candidates + weights"
assert inputs(f"{d}/filter-lmsi.h5") == {c: sha(c)}, "lmsi reads the candidates only"
for name in ("iwsi-k50", "lmsi"):
    f = h5py.File(f"{d}/filter-{name}.h5", "r")
    assert f"strategy = {name.split('-')[0]}\n" in f.attrs["config"] and f.attrs["mpi_ranks"] == 2
PY
check "iwsi status: the finished pipeline is done" "$IWSI" status "$P"
out_again=$(slurm/submit.sh "$WORK/pipeline.ini" "$WORK/pipe" 2>&1)
check "re-submitting a finished pipeline submits nothing" \
  test -z "$(job_ids "$out_again")" -a "$(grep -c 'skip: up to date' <<<"$out_again")" = 2 -a \
  "$(grep -c 'skip: all 2 cells done' <<<"$out_again")" = 1
mv "$P/candidates.h5" "$P/candidates.h5.away"
status=$("$IWSI" status "$P" 2>&1); rc=$?
check "a missing candidate file: iwsi status says so and that everything after it must run (exit 3)" test $rc = 3 -a \
  "$(grep -cE '^generate +run +missing' <<<"$status")" = 1 -a "$(grep -cE '^filter-lmsi +run +after generate' <<<"$status")" = 1
mv "$P/candidates.h5.away" "$P/candidates.h5"
# (1b) the selections of real solutions: iwsi keeps floor(k% of D_c), lmsi all of D_c, none all parsed.
check "pipeline on real solutions: non-empty selections of the right sizes" "$PY" - "$WORK/pipe_mc" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
c = h5py.File(f"{d}/candidates.h5", "r")["candidates"]
consistent, parsed = int(c["consistent"][:].sum()), int(c["parsed"][:].sum())
kept = {s: len(h5py.File(f"{d}/filter-{s}.h5", "r")["kept/row"]) for s in ("iwsi-k50", "lmsi", "none")}
assert consistent > 0 and kept == {"iwsi-k50": int(np.floor(0.5 * consistent)), "lmsi": consistent, "none": parsed}, kept
PY
check "train: every strategy's run is complete and read its selection" "$PY" - "$WORK/pipe_mc" <<'PY'
import hashlib, json, sys, h5py
d = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
for s in ("iwsi-k50", "lmsi", "none"):
    f = h5py.File(f"{d}/train-{s}/train.h5", "r")
    inputs = {i["path"]: i["sha256"] for i in json.loads(f.attrs["inputs"])}
    assert f.attrs["complete"] == 1 and inputs[f"{d}/filter-{s}.h5"] == sha(f"{d}/filter-{s}.h5"), s
PY
check "eval: the base model's and every strategy's evaluation are complete" \
  complete "$WORK/pipe_mc"/eval-{base,iwsi-k50,lmsi,none}.h5

# --- (2) sweep checks ------------------------------------------------------------------------------
S=$WORK/sweep
check "every sweep output is complete" complete "$S"/T{0.7,1.0}/{candidates,weights,filter-iwsi-k50,filter-iwsi-k80}.h5
check "one generate and one weigh per T, the k cells of a T filter the same candidate file" "$PY" - "$S" <<'PY'
import hashlib, json, os, re, sys, h5py
d = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
inputs = lambda p: {i["path"]: i["sha256"] for i in json.loads(h5py.File(p, "r").attrs["inputs"])}
logs = [l for l in os.listdir(f"{d}/logs") if l.endswith(".out")]
assert sorted(re.sub(r"-\d+\.out$", "", l) for l in logs if "cells" not in l) == \
    ["T0.7_generate", "T0.7_weigh", "T1.0_generate", "T1.0_weigh"], logs
shas = set()
for t in ("0.7", "1.0"):
    c, w = f"{d}/T{t}/candidates.h5", f"{d}/T{t}/weights.h5"
    config = h5py.File(c, "r").attrs["config"]
    assert float(re.search(r"^temperature = (\S+)$", config, re.M).group(1)) == float(t), config
    assert inputs(w)[c] == sha(c)
    for k in ("50", "80"):
        f = f"{d}/T{t}/filter-iwsi-k{k}.h5"
        assert inputs(f) == {c: sha(c), w: sha(w)}, f
        assert f"k = {k}\n" in h5py.File(f, "r").attrs["config"], f
    shas.add(sha(c))
assert len(shas) == 2, "the two temperatures gave different candidate files"
PY
# Re-submitting after one cell's output was removed: only that cell runs, nothing is regenerated.
sha_before=$(sha256sum < "$S/T1.0/candidates.h5")
rm "$S/T1.0/filter-iwsi-k80.h5"
out_sweep2=$(slurm/submit.sh "$WORK/sweep.ini" "$WORK/sweep" 2>&1)
echo "$out_sweep2"
check "re-submitting the sweep submits only the missing cell" test "$(job_ids "$out_sweep2" | wc -w)" = 1 -a \
  "$(grep -c 'skip: up to date' <<<"$out_sweep2")" = 4 -a "$(grep -c 'cells 1 of 2 (1 done, at most 2 at once)' <<<"$out_sweep2")" = 1
check "the missing cell ran to COMPLETED" all_completed "$(job_ids "$out_sweep2")"
check "the cell is back, from the same candidate file" complete "$S/T1.0/filter-iwsi-k80.h5"
check "the candidate file was not rewritten" test "$(sha256sum < "$S/T1.0/candidates.h5")" = "$sha_before"
check "iwsi status: the sweep is done" "$IWSI" status "$S"

# --- (3) preemption checks -------------------------------------------------------------------------
check "iwsi saved its chunks and exited 75 on the forwarded USR1" grep -q "'iwsi run' stopped early (exit 75)" \
  "$WORK/slow-$slow.out"
check "the warned run logged its requeue" grep -q "requeued (restart 1)" "$WORK/slow-$slow.out"
check "the requeued run resumed the finished chunks" grep -q "resumed [1-9][0-9]* chunks" "$WORK/slow-$slow.out"
check "the resumed file equals the uninterrupted run" "$PY" tests/jobs/same_data.py "$WORK/reference/candidates.h5" \
  "$WORK/slow/candidates.h5" questions candidates

echo "slurm suite: $(($(date +%s) - START)) s"
finish
