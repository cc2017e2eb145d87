# `iwsi filter` end to end on real GSM8K solutions and their real `iwsi weigh` weights (stories260K):
# selections are bit-identical for 1, 2 and 3 ranks; iwsi's sigma_k and kept set, and every other
# strategy's, equal a direct computation from the stored weights; bad options and mismatched or
# unfinished inputs fail clearly and leave no finished-looking file.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/c.h5" 20
check "the weights to filter by (iwsi weigh)" mpirun -np 2 "$IWSI" weigh --weigh.candidates "$WORK/c.h5" \
  --data.name gsm8k --data.dir "$SHARED/data" --data.valid_size 10 --model.path "$MODEL" --runtime.threads 1 \
  --weigh.output "$WORK/w.h5"
for np_ in 1 2 3; do
  check "filter iwsi k=50 on $np_ rank(s)" mpirun -np $np_ "$IWSI" filter --filter.candidates "$WORK/c.h5" \
    --filter.weights "$WORK/w.h5" --filter.output "$WORK/f$np_.h5" --strategy iwsi --k 50
done
check "selection: 1 and 2 ranks bit-identical" "$PY" tests/jobs/same_data.py "$WORK/f1.h5" "$WORK/f2.h5" kept
check "selection: 1 and 3 ranks bit-identical" "$PY" tests/jobs/same_data.py "$WORK/f1.h5" "$WORK/f3.h5" kept

for strategy in none lmsi oracle entropy iwsi-w; do
  check "filter $strategy" mpirun -np 2 "$IWSI" filter --filter.candidates "$WORK/c.h5" --filter.weights "$WORK/w.h5" \
    --filter.output "$WORK/f_$strategy.h5" --strategy $strategy --k 50
done
check "every selection equals a direct computation from the weights" "$PY" - "$WORK" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
c, w = h5py.File(f"{d}/c.h5", "r")["candidates"], h5py.File(f"{d}/w.h5", "r")
cons, parsed, correct = c["consistent"][:] == 1, c["parsed"][:] == 1, c["correct"][:] == 1
q, s = c["question_index"][:], c["sample_index"][:]
w_prime, w_ds = (w["candidates"][k][:] for k in ("w_prime", "w_ds"))
rows = np.where(cons)[0]
order = sorted(rows, key=lambda r: (w_ds[r], q[r], s[r]))
keep = order[:max(1, int(np.floor(0.5 * len(rows))))]
f = h5py.File(f"{d}/f1.h5", "r")
assert sorted(f["kept/row"][:]) == sorted(keep), "iwsi keeps the lowest-DS-weight k% of D_c"
assert f.attrs["sigma_k"] == w_ds[keep[-1]] and f.attrs["kept"] == len(keep)
kept = lambda name: sorted(h5py.File(f"{d}/f_{name}.h5", "r")["kept/row"][:])
assert kept("lmsi") == list(rows)
assert kept("none") == list(np.where(parsed)[0])
assert kept("oracle") == list(np.where(cons & correct)[0])
fw = h5py.File(f"{d}/f_iwsi-w.h5", "r")["kept"]
assert list(fw["row"][:]) == list(rows) and np.allclose(fw["weight"][:], np.minimum(w_prime[rows], 2.0))
PY

F=(--filter.candidates "$WORK/c.h5" --filter.weights "$WORK/w.h5" --filter.output "$WORK/bad.h5")
expect_failure "k = 0" "option --filter.k=0 is outside (0, 100]" mpirun -np 2 "$IWSI" filter "${F[@]}" --k 0
expect_failure "k = 150" "option --filter.k=150 is outside (0, 100]" "$IWSI" filter "${F[@]}" --k 150
expect_failure "unknown strategy" "unknown option --filter.strategy \"best\" (valid: none, lmsi, iwsi, entropy, self, rm, oracle, iwsi-w)" "$IWSI" filter "${F[@]}" --strategy best
expect_failure "iwsi without weights" "needs --filter.weights" "$IWSI" filter --filter.candidates "$WORK/c.h5" \
  --filter.output "$WORK/bad.h5"
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/other.h5" 7
expect_failure "weights of another candidate file" "was not made from" mpirun -np 2 "$IWSI" filter \
  --filter.candidates "$WORK/other.h5" --filter.weights "$WORK/w.h5" --filter.output "$WORK/bad.h5"
mv "$WORK/other.h5" "$WORK/unfinished.h5.tmp"
expect_failure "an unfinished candidate file" "is unfinished" mpirun -np 2 "$IWSI" filter --filter.candidates \
  "$WORK/unfinished.h5" --filter.output "$WORK/bad.h5" --strategy lmsi
check "no output file is left by the failures" test ! -e "$WORK/bad.h5"
finish
