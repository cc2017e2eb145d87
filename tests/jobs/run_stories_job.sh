# `iwsi run` on the real stories260K model with a small GSM8K slice on 2 ranks. A story model never
# writes "the answer is", so no sample parses and every strategy's training set is empty: the run
# still completes, writes every stage's file it can (candidates, weights, judgments, each
# selection, the base model's evaluation), reports the empty training sets in its table instead
# of failing, and a second invocation does no work. (The demo test trains and evaluates through
# `iwsi run`; `iwsi train` alone refuses an empty training set: tests/jobs/train_job.sh.)
source "$(dirname "$0")/lib.bash"
D=$WORK/run
RUN=(run --run.dir "$D" --model.path "$SHARED/models/stories260K" --data.name gsm8k --data.dir "$SHARED/data"
     --data.pool_size 12 --data.valid_size 4 --data.test_size 8 --data.exemplars 1 --model.max_positions 1024
     --sampling.m 3 --sampling.temperature 1 --sampling.max_new_tokens 24 --eval.max_new_tokens 24
     --run.strategies lmsi,iwsi,self --run.ks 80 --runtime.threads 1)
out=$(mpirun -np 2 "$IWSI" "${RUN[@]}" 2>&1); rc=$?
check "iwsi run on stories260K + GSM8K completes on 2 ranks" test $rc -eq 0 || echo "$out" | tail -n 20
check "every stage's file is complete; the table reports the empty training sets" "$PY" - "$D" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
for name in ("candidates", "weights", "judgments", "filter-lmsi", "filter-iwsi-k80", "filter-self-k80", "eval-base"):
    f = h5py.File(f"{d}/{name}.h5", "r")
    assert f.attrs["complete"] == 1 and "config" in f.attrs and "inputs" in f.attrs, name
c = h5py.File(f"{d}/candidates.h5", "r")
assert len(c["candidates/parsed"]) == 36 and c["candidates/consistent"][:].sum() == 0
for cell in ("lmsi", "iwsi-k80", "self-k80"):
    assert h5py.File(f"{d}/filter-{cell}.h5", "r").attrs["kept"] == 0, cell
e = h5py.File(f"{d}/eval-base.h5", "r")
assert e.attrs["total"] == 8 and len(e["questions/correct"]) == 8
rows = [[x.strip() for x in line.split("|")[1:-1]] for line in open(f"{d}/accuracy.md").read().splitlines()[2:]]
assert rows[0] == ["base", "-", "-", f"{e.attrs['accuracy']:.1f}"], rows[0]
assert [r[0] for r in rows[1:]] == ["lmsi", "iwsi", "self"] and all(r[2:] == ["0", "- (empty training set)"] for r in rows[1:]), rows
PY
check "the run says why it trained nothing" grep -q "train-iwsi-k80: skipped, the training set .* is empty" <<<"$out"
out=$(mpirun -np 2 "$IWSI" "${RUN[@]}" 2>&1)
check "a second invocation does no work" test "$(grep -c 'up to date' <<<"$out")" -eq 7 -a \
  "$(grep -c ' \.\.\.$' <<<"$out")" -eq 0
# The plan and the status of the run directory (jobs/plan.h): the binary's one stage graph.
status=$("$IWSI" status "$D" 2>&1); rc=$?
check "iwsi status: a finished run is done (exit 0), the empty training sets say so" test $rc -eq 0 -a \
  "$(tail -n 1 <<<"$status")" = "$D: 13 of 13 stages done" -a "$(grep -c 'empty training set' <<<"$status")" = 6
check "run.ini and plan.tsv are saved in the run directory" test -s "$D/run.ini" -a \
  "$(cut -f1 "$D/plan.tsv" | tail -n +2 | paste -sd' ')" = \
  "eval-base generate weigh judge filter-lmsi train-lmsi eval-lmsi filter-iwsi-k80 train-iwsi-k80 eval-iwsi-k80 filter-self-k80 train-self-k80 eval-self-k80"
PLAN=("${RUN[@]:1:${#RUN[@]}-7}" --runtime.threads 1)  # less run, --run.strategies and --run.ks
plan=$("$IWSI" plan "${PLAN[@]}" --eval.stop END --run.strategies lmsi,iwsi,self --run.ks 80,50 2>&1)
row() { awk -F'\t' -v id="$1" '$1 == id { print $2 "|" $3 "|" $4 "|" $5 "|" $6 "|" $7 "|" $8 }' <<<"$plan"; }
check "iwsi plan: a changed eval setting makes the evals run, nothing else" test \
  "$(row eval-base)" = "eval|-|-|-|run|settings changed|$D/eval-base.h5" -a \
  "$(row generate)" = "generate|-|-|-|done|up to date|$D/candidates.h5" -a \
  "$(row filter-iwsi-k80)" = "filter|generate,weigh|cells|iwsi-k80|done|up to date|$D/filter-iwsi-k80.h5"
check "iwsi plan: a new k is a new cell after the weights; an empty training set is done" test \
  "$(row filter-iwsi-k50)" = "filter|generate,weigh|cells|iwsi-k50|run|missing|$D/filter-iwsi-k50.h5" -a \
  "$(row train-iwsi-k50)" = "train|filter-iwsi-k50|cells|iwsi-k50|run|after filter-iwsi-k50|$D/train-iwsi-k50" -a \
  "$(row train-iwsi-k80)" = "train|filter-iwsi-k80|cells|iwsi-k80|done|empty training set|$D/train-iwsi-k80"
plan=$("$IWSI" plan "${PLAN[@]}" --run.temperatures 0.7,1.0 --run.until filter --run.strategies lmsi 2>&1)
check "iwsi plan: one generation per temperature in T<t>/, the cells after it" test \
  "$(row T0.7/generate)" = "generate|-|-|-|run|missing|$D/T0.7/candidates.h5" -a \
  "$(row T1.0/filter-lmsi)" = "filter|T1.0/generate|T1.0/cells|lmsi|run|after T1.0/generate|$D/T1.0/filter-lmsi.h5" -a \
  "$(grep -vc '^#' <<<"$plan")" = 4
rm "$D/filter-lmsi.h5"
out=$(mpirun -np 2 "$IWSI" "${RUN[@]}" --run.only filter-lmsi --run.receipt "$WORK/receipt" 2>&1); rc=$?
check "--run.only runs that stage alone and writes the receipt" test $rc -eq 0 -a -e "$D/filter-lmsi.h5" -a \
  "$(cat "$WORK/receipt" 2>/dev/null)" = done -a "$(grep -c ' \.\.\.$' <<<"$out")" = 1
expect_failure "--run.only with a stage the plan lacks is refused" "option --run.only: no stage 'filter-best'" \
  mpirun -np 2 "$IWSI" "${RUN[@]}" --run.only filter-best
expect_failure "a [filter] k in a run's options is refused, naming what to use" \
  "option filter.k is set by the run's plan (use run.ks)" "$IWSI" plan "${PLAN[@]}" --filter.k 50
expect_failure "a bad run.until is refused" "option --run.until=test: expected filter, train or eval" \
  "$IWSI" plan "${PLAN[@]}" --run.until test
expect_failure "a k outside (0, 100] is refused" "option --run.ks=120 is outside (0, 100]" \
  "$IWSI" plan "${PLAN[@]}" --run.ks 80,120
# Strategies that read no DS weights or judgments: the run neither weighs (which needs valid-set
# rationales) nor judges.
RUN2=("${RUN[@]}")
RUN2[2]=$WORK/run_lmsi
RUN2[${#RUN2[@]}-5]=lmsi  # the value of --run.strategies
out=$(mpirun -np 2 "$IWSI" "${RUN2[@]}" 2>&1); rc=$?
check "iwsi run with lmsi alone completes" test $rc -eq 0 || echo "$out" | tail -n 20
check "... without a weigh or judge stage" test ! -e "$WORK/run_lmsi/weights.h5" -a ! -e "$WORK/run_lmsi/judgments.h5" -a \
  -e "$WORK/run_lmsi/filter-lmsi.h5" -a "$(grep -cE 'run: (weigh|judge)' <<<"$out")" -eq 0
finish
