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
for name in ("candidates", "weights", "judgments", "select_lmsi", "select_iwsi_k80", "select_self_k80", "eval_base"):
    f = h5py.File(f"{d}/{name}.h5", "r")
    assert f.attrs["complete"] == 1 and "config" in f.attrs and "inputs" in f.attrs, name
c = h5py.File(f"{d}/candidates.h5", "r")
assert len(c["candidates/parsed"]) == 36 and c["candidates/consistent"][:].sum() == 0
for cell in ("lmsi", "iwsi_k80", "self_k80"):
    assert h5py.File(f"{d}/select_{cell}.h5", "r").attrs["kept"] == 0, cell
e = h5py.File(f"{d}/eval_base.h5", "r")
assert e.attrs["total"] == 8 and len(e["questions/correct"]) == 8
rows = [[x.strip() for x in line.split("|")[1:-1]] for line in open(f"{d}/accuracy.md").read().splitlines()[2:]]
assert rows[0] == ["base", "-", "-", f"{e.attrs['accuracy']:.1f}"], rows[0]
assert [r[0] for r in rows[1:]] == ["lmsi", "iwsi", "self"] and all(r[2:] == ["0", "- (empty training set)"] for r in rows[1:]), rows
PY
check "the run says why it trained nothing" grep -q "train iwsi_k80: skipped, the training set .* is empty" <<<"$out"
out=$(mpirun -np 2 "$IWSI" "${RUN[@]}" 2>&1)
check "a second invocation does no work" test "$(grep -c 'up to date' <<<"$out")" -eq 7 -a \
  "$(grep -c ' \.\.\.$' <<<"$out")" -eq 0
# Strategies that read no DS weights or judgments: the run neither weighs (which needs valid-set
# rationales) nor judges.
RUN2=("${RUN[@]}")
RUN2[2]=$WORK/run_lmsi
RUN2[${#RUN2[@]}-5]=lmsi  # the value of --run.strategies
out=$(mpirun -np 2 "$IWSI" "${RUN2[@]}" 2>&1); rc=$?
check "iwsi run with lmsi alone completes" test $rc -eq 0 || echo "$out" | tail -n 20
check "... without a weigh or judge stage" test ! -e "$WORK/run_lmsi/weights.h5" -a ! -e "$WORK/run_lmsi/judgments.h5" -a \
  -e "$WORK/run_lmsi/select_lmsi.h5" -a "$(grep -cE 'run: (weigh|judge)' <<<"$out")" -eq 0
finish
