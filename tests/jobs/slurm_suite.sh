# The Slurm scripts (slurm/) end to end on a real single-node Slurm cluster on localhost (started
# from tests/slurm in a temp dir, always stopped at the end), with the real stories260K model on
# GSM8K slices and 2 tasks per job: (1) submit_pipeline.sh chains generate -> weigh -> filters and
# skips what is complete; (2) submit_sweep.sh runs a 2 x 2 k x T sweep with one candidate file per
# T shared by its k cells; (3) a generate job warned with USR1 requeues itself and resumes to the
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
# (1) the pipeline on the demo config: a real generate -> weigh -> filter iwsi + filter lmsi (the
# config stops there, until = filter: stories260K's selections are empty, nothing to train on).
test_config configs/pipeline_demo.ini "$WORK/pipeline.ini"
out_pipe=$(slurm/submit_pipeline.sh "$WORK/pipeline.ini" "$WORK/pipe" 2>&1)
check "submit_pipeline.sh submits generate, weigh and 2 filters" test "$(job_ids "$out_pipe" | wc -w)" = 4
echo "$out_pipe"
# (1b) the same pipeline where the candidate file already exists (real GSM8K solutions, so the
# selections are not empty): generate is skipped; weigh and 3 filters run, and, as soon as this
# iwsi has them, a train + eval per strategy and an eval of the base model (until = eval).
HAS_TRAIN=0 HAS_EVAL=0 JOB_LIST=$("$IWSI" --help)
if grep -q '^  train ' <<<"$JOB_LIST"; then HAS_TRAIN=1; fi
if grep -q '^  eval ' <<<"$JOB_LIST"; then HAS_EVAL=1; fi
mkdir -p "$WORK/pipe_mc"
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/pipe_mc/candidates.h5" 20
test_config configs/pipeline_demo.ini "$WORK/pipeline_mc.ini" -e 's#^strategies = .*#strategies = iwsi, lmsi, none#' \
  -e 's#^until = .*#until = eval#'
out_mc=$(slurm/submit_pipeline.sh "$WORK/pipeline_mc.ini" "$WORK/pipe_mc" 2>&1)
echo "$out_mc"
check "a complete candidate file is not generated again" grep -q "^generate  *skip: complete" <<<"$out_mc"
check "weigh, 3 filters (train: $HAS_TRAIN, eval: $HAS_EVAL) are submitted for it" \
  test "$(job_ids "$out_mc" | wc -w)" = $((4 + 3 * HAS_TRAIN + HAS_EVAL + 3 * HAS_TRAIN * HAS_EVAL))
# (2) the 2 x 2 sweep: temperatures 0.7, 1.0 x k 50, 80 with strategy iwsi.
test_config configs/sweep_demo.ini "$WORK/sweep.ini"
out_sweep=$(slurm/submit_sweep.sh "$WORK/sweep.ini" "$WORK/sweep" 2>&1)
echo "$out_sweep"
check "submit_sweep.sh submits per T a generate, a weigh and one array of 2 cells (at most 2 at once)" \
  test "$(job_ids "$out_sweep" | wc -w)" = 6 -a "$(grep -c 'cells 0,1 of 2 (0 complete, at most 2 at once)' <<<"$out_sweep")" = 2 -a \
  "$(for id in $(job_ids "$out_sweep"); do scontrol show job "$id"; done | grep -c 'ArrayTaskThrottle=2')" -ge 2
bad_slurm=$WORK/bad_slurm.ini
sed 's#^hdf5_file_locking = .*#hdf5_file_locking = maybe#' "$WORK/sweep.ini" >"$bad_slurm"
expect_failure "a bad [slurm] value is refused before anything is submitted" \
  "[slurm] hdf5_file_locking = maybe: expected true or false" slurm/submit_sweep.sh "$bad_slurm" "$WORK/bad_sweep"
sed 's#^strategies = .*#strategies = iwsi,best#' "$WORK/sweep.ini" >"$WORK/bad_strategy.ini"
expect_failure "an unknown strategy is refused, listing the binary's own" \
  "unknown strategy 'best' (valid: none lmsi iwsi entropy self rm oracle iwsi-w)" \
  slurm/submit_sweep.sh "$WORK/bad_strategy.ini" "$WORK/bad_sweep"
check "the Slurm scripts run no Python (a login node may lack it, or h5py)" \
  bash -c '! grep -nE "python|\.py\b" slurm/*.sh slurm/*.sbatch'

# (3) a slow generate (10 chunks of 2 questions, 96 tokens per sample) that will be warned, and the
# same generate uninterrupted as the reference; both through slurm/stage.sbatch as a user would.
test_config configs/pipeline_demo.ini "$WORK/slow_demo.ini" -e 's#^pool_size = .*#pool_size = 20#' \
  -e 's#^max_new_tokens = .*#max_new_tokens = 96\nignore_eos = true#'
"$IWSI" ini strip "$WORK/slow_demo.ini" "$WORK/slow.ini" pipeline slurm train eval  # generate's options
stage_job() {  # stage_job NAME OUTPUT: sbatch of one generate with the slow config; prints the id
  sbatch --parsable --ntasks=2 --job-name="$1" --output="$WORK/$1-%j.out" slurm/stage.sbatch "$2" generate \
    --config "$WORK/slow.ini" --generate.output "$2"
}
slow=$(stage_job slow "$WORK/slow.h5")
reference=$(stage_job reference "$WORK/reference.h5")

# --- (3) preemption: the warning signal mid-run -> requeue -> resume ------------------------------
for _ in $(seq 600); do  # until the slow job has finished a chunk (at most 120 s) or has ended
  [ "$(ls "$WORK/slow.h5.chunks" 2>/dev/null | grep -c '^chunk-.*h5$')" -ge 1 ] && break
  squeue -h -j "$slow" 2>/dev/null | grep -q . || break
  sleep 0.2
done
chunks_before=$(ls "$WORK/slow.h5.chunks" 2>/dev/null | grep -c '^chunk-.*h5$')
# What `#SBATCH --signal=B:USR1@300` does before a time limit: USR1 to the batch shell only.
check "the slow job is running with $chunks_before of 10 chunks done when warned" \
  test "$chunks_before" -ge 1 -a "$chunks_before" -lt 10 -a ! -e "$WORK/slow.h5"
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
check "every pipeline output is complete" complete "$P"/{candidates,weights,filter-iwsi,filter-lmsi}.h5
check "each stage read the file the stage before it wrote (sha256 in the inputs attribute)" "$PY" - "$P" <<'PY'
import hashlib, json, sys, h5py
d = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
inputs = lambda p: {i["path"]: i["sha256"] for i in json.loads(h5py.File(p, "r").attrs["inputs"])}
c, w = f"{d}/candidates.h5", f"{d}/weights.h5"
assert inputs(w)[c] == sha(c)
assert inputs(f"{d}/filter-iwsi.h5") == {c: sha(c), w: sha(w)}, "iwsi reads candidates + weights"
assert inputs(f"{d}/filter-lmsi.h5") == {c: sha(c)}, "lmsi reads the candidates only"
for name in ("iwsi", "lmsi"):
    f = h5py.File(f"{d}/filter-{name}.h5", "r")
    assert f"strategy = {name}\n" in f.attrs["config"] and f.attrs["mpi_ranks"] == 2
PY
out_again=$(slurm/submit_pipeline.sh "$WORK/pipeline.ini" "$WORK/pipe" 2>&1)
check "re-submitting a finished pipeline submits nothing" \
  test -z "$(job_ids "$out_again")" -a "$(grep -c 'skip: complete' <<<"$out_again")" = 4
mv "$P/candidates.h5" "$P/candidates.h5.away"
expect_failure "a missing candidate file under complete outputs is refused, not mixed" "nothing submitted" \
  slurm/submit_pipeline.sh "$WORK/pipeline.ini" "$WORK/pipe"
check "and nothing was queued" test -z "$(squeue -h)"
mv "$P/candidates.h5.away" "$P/candidates.h5"
# (1b) the selections of real solutions: iwsi keeps floor(k% of D_c), lmsi all of D_c, none all parsed.
check "pipeline on real solutions: non-empty selections of the right sizes" "$PY" - "$WORK/pipe_mc" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
c = h5py.File(f"{d}/candidates.h5", "r")["candidates"]
consistent, parsed = int(c["consistent"][:].sum()), int(c["parsed"][:].sum())
kept = {s: len(h5py.File(f"{d}/filter-{s}.h5", "r")["kept/row"]) for s in ("iwsi", "lmsi", "none")}
assert consistent > 0 and kept == {"iwsi": int(np.floor(0.5 * consistent)), "lmsi": consistent, "none": parsed}, kept
PY
if [ "$HAS_TRAIN" = 1 ]; then
  check "train: every strategy's run is complete and read its selection" "$PY" - "$WORK/pipe_mc" <<'PY'
import hashlib, json, sys, h5py
d = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
for s in ("iwsi", "lmsi", "none"):
    f = h5py.File(f"{d}/train-{s}/train.h5", "r")
    inputs = {i["path"]: i["sha256"] for i in json.loads(f.attrs["inputs"])}
    assert f.attrs["complete"] == 1 and inputs[f"{d}/filter-{s}.h5"] == sha(f"{d}/filter-{s}.h5"), s
PY
fi
if [ "$HAS_EVAL" = 1 ]; then
  evals=("$WORK/pipe_mc/eval-base.h5")
  [ "$HAS_TRAIN" = 0 ] || evals+=("$WORK/pipe_mc"/eval-{iwsi,lmsi,none}.h5)
  check "eval: the base model's and every strategy's evaluation are complete" complete "${evals[@]}"
fi

# --- (2) sweep checks ------------------------------------------------------------------------------
S=$WORK/sweep
check "every sweep output is complete" complete "$S"/T{0.7,1.0}/{candidates,weights,filter-iwsi-k50,filter-iwsi-k80}.h5
check "one generate and one weigh per T, the k cells of a T filter the same candidate file" "$PY" - "$S" <<'PY'
import hashlib, json, os, re, sys, h5py
d = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
inputs = lambda p: {i["path"]: i["sha256"] for i in json.loads(h5py.File(p, "r").attrs["inputs"])}
logs = os.listdir(f"{d}/logs")
assert sorted(re.sub(r"-\d+\.out$", "", l) for l in logs if not l.startswith("cells")) == \
    ["generate-T0.7", "generate-T1.0", "weigh-T0.7", "weigh-T1.0"], logs
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
out_sweep2=$(slurm/submit_sweep.sh "$WORK/sweep.ini" "$WORK/sweep" 2>&1)
echo "$out_sweep2"
check "re-submitting the sweep submits only the missing cell" test "$(job_ids "$out_sweep2" | wc -w)" = 1 -a \
  "$(grep -c 'skip: complete' <<<"$out_sweep2")" = 4 -a "$(grep -c 'cells 1 of 2 (1 complete, at most 2 at once)' <<<"$out_sweep2")" = 1
check "the missing cell ran to COMPLETED" all_completed "$(job_ids "$out_sweep2")"
check "the cell is back, from the same candidate file" complete "$S/T1.0/filter-iwsi-k80.h5"
check "the candidate file was not rewritten" test "$(sha256sum < "$S/T1.0/candidates.h5")" = "$sha_before"

# --- (3) preemption checks -------------------------------------------------------------------------
check "iwsi saved its chunks and exited 75 on the forwarded USR1" grep -q "'iwsi generate' stopped early (exit 75)" \
  "$WORK/slow-$slow.out"
check "the warned run logged its requeue" grep -q "requeued (restart 1)" "$WORK/slow-$slow.out"
check "the requeued run resumed the finished chunks" grep -q "resumed [1-9][0-9]* chunks" "$WORK/slow-$slow.out"
check "the resumed file equals the uninterrupted run" "$PY" tests/jobs/same_data.py "$WORK/reference.h5" \
  "$WORK/slow.h5" questions candidates

echo "slurm suite: $(($(date +%s) - START)) s"
finish
