# `iwsi judge` and `iwsi filter --strategy self` end to end with stories260K on real GSM8K
# solutions: the judgments are bit-identical for 1, 2 and 3 ranks, exist exactly for D_c and lie
# in [0, 10]; the self selection equals a direct computation from the stored scores; bad inputs
# fail clearly and leave no finished-looking file.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/c.h5" 20
J=(--judge.candidates "$WORK/c.h5" --model.path "$MODEL" --runtime.threads 1 --judge.chunk_size 8)
for np_ in 1 2 3; do
  check "judge on $np_ rank(s)" mpirun -np $np_ "$IWSI" judge "${J[@]}" --judge.output "$WORK/j$np_.h5"
done
check "judgments: 1 and 2 ranks bit-identical" "$PY" tests/jobs/same_data.py "$WORK/j1.h5" "$WORK/j2.h5" candidates
check "judgments: 1 and 3 ranks bit-identical" "$PY" tests/jobs/same_data.py "$WORK/j1.h5" "$WORK/j3.h5" candidates
check "filter self k=50" mpirun -np 2 "$IWSI" filter --filter.candidates "$WORK/c.h5" --filter.judgments "$WORK/j1.h5" \
  --filter.output "$WORK/f.h5" --strategy self --k 50
check "self scores cover D_c and the selection equals a direct computation" "$PY" - "$WORK" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
c = h5py.File(f"{d}/c.h5", "r")["candidates"]
j = h5py.File(f"{d}/j1.h5", "r")
cons, q, s = c["consistent"][:] == 1, c["question_index"][:], c["sample_index"][:]
score = j["candidates/self_score"][:]
assert np.all(np.isnan(score) == ~cons), "judged exactly the consistent rows"
assert np.all((score[cons] >= 0) & (score[cons] <= 10)), score[cons]
assert np.unique(score[cons]).size > 1, "scores differ between samples"
assert j.attrs["request"].endswith("Score:") and j.attrs["schema"] == "iwsi.judgments"
rows = np.where(cons)[0]
order = sorted(rows, key=lambda r: (-score[r], q[r], s[r]))
keep = order[:max(1, int(np.floor(0.5 * len(rows))))]
f = h5py.File(f"{d}/f.h5", "r")
assert sorted(f["kept/row"][:]) == sorted(keep), "self keeps the k% highest self scores of D_c"
assert f.attrs["sigma_k"] == score[keep[-1]] and f.attrs["kept"] == len(keep) and f.attrs["strategy"] == "self"
PY

expect_failure "a request without Score:" "must end with \"Score:\"" mpirun -np 2 "$IWSI" judge "${J[@]}" \
  --judge.request "Rate it." --judge.output "$WORK/bad.h5"
expect_failure "self without judgments" "strategy self needs --filter.judgments" "$IWSI" filter \
  --filter.candidates "$WORK/c.h5" --filter.output "$WORK/bad.h5" --strategy self
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/other.h5" 7
expect_failure "judgments of another candidate file" "was not made from" mpirun -np 2 "$IWSI" filter \
  --filter.candidates "$WORK/other.h5" --filter.judgments "$WORK/j1.h5" --filter.output "$WORK/bad.h5" --strategy self
expect_failure "weights given as judgments" "iwsi.judgments" "$IWSI" filter --filter.candidates "$WORK/c.h5" \
  --filter.judgments "$WORK/c.h5" --filter.output "$WORK/bad.h5" --strategy self
check "no output file is left by the failures" test ! -e "$WORK/bad.h5"
finish
