# `iwsi judge` and `iwsi filter --strategy self` / `self-paper` end to end with stories260K on real
# GSM8K solutions, for both judge methods (expected score, generated rating): the judgments are
# bit-identical across rank counts, exist exactly for D_c and lie in [0, 10]; each selection equals
# a direct computation from the stored scores; bad inputs fail clearly and leave no
# finished-looking file.
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

# judge.method = generated (the official self_weight.py): a sampled rating, its first number. The
# rating of a row depends only on (seed, candidate row): 1 and 3 ranks, chunks of 8 and 5, agree.
G=(--judge.method generated --judge.request '\nScore:\s' --judge.temperature 0.7 --judge.top_k 50 --judge.top_p 0.9
   --judge.max_new_tokens 24 --model.max_positions 2048)
check "judge generated on 1 rank" mpirun -np 1 "$IWSI" judge "${J[@]}" "${G[@]}" --judge.output "$WORK/g1.h5"
check "judge generated on 3 ranks, chunks of 5" mpirun -np 3 "$IWSI" judge --judge.candidates "$WORK/c.h5" \
  --model.path "$MODEL" --runtime.threads 1 --judge.chunk_size 5 "${G[@]}" --judge.output "$WORK/g3.h5"
check "generated ratings: 1 and 3 ranks bit-identical" "$PY" tests/jobs/same_data.py "$WORK/g1.h5" "$WORK/g3.h5" candidates
check "generated ratings are the first number of each stored rating text, as the official regex reads it" "$PY" - "$WORK" <<'PY'
import re, sys, h5py, numpy as np
d = sys.argv[1]
cons = h5py.File(f"{d}/c.h5", "r")["candidates/consistent"][:] == 1
j = h5py.File(f"{d}/g1.h5", "r")
assert j.attrs["method"] == "generated" and j.attrs["request"] == "\nScore: ", j.attrs["request"]
score = j["candidates/self_score"][:]
ends, values = j["candidates/rating_text/offsets"][:], j["candidates/rating_text/values"][:].tobytes()
texts = [values[ends[i]:ends[i + 1]].decode() for i in range(len(score))]
assert np.all(np.isnan(score) == ~cons), "judged exactly the consistent rows"
assert all(texts[i] == "" for i in np.where(~cons)[0])
assert all(texts[i] != "" for i in np.where(cons)[0]), "every judged row has its rating text"
def official(text):  # self_weight.py: derive_ratings_from_answer, then min(max(0, x), 10), None -> 0
    m = re.search(r"(\d+\.?\d*)", text)
    return 0.0 if m is None else min(max(0.0, float(m.group(1)[:20])), 10.0)
for i in np.where(cons)[0]:
    assert score[i] == official(texts[i]), (i, texts[i], score[i])
assert len(set(texts[i] for i in np.where(cons)[0])) > 1, "ratings are sampled per row"
PY
check "filter self-paper k=50 on generated ratings" mpirun -np 2 "$IWSI" filter --filter.candidates "$WORK/c.h5" \
  --filter.judgments "$WORK/g1.h5" --filter.output "$WORK/fp.h5" --strategy self-paper --k 50
check "self-paper keeps the official Self rule's rows" "$PY" - "$WORK" <<'PY'
import math, sys, h5py, numpy as np
d = sys.argv[1]
c = h5py.File(f"{d}/c.h5", "r")["candidates"]
cons, q, s = c["consistent"][:] == 1, c["question_index"][:], c["sample_index"][:]
score = h5py.File(f"{d}/g1.h5", "r")["candidates/self_score"][:]
rows = sorted(np.where(cons)[0], key=lambda r: (-score[r], q[r], s[r]))
p = math.floor(0.5 * len(rows))
after = score[rows[p]] if p < len(rows) else -math.inf
keep = [r for r in rows if score[r] >= after] if after > 0 else rows[:p]
f = h5py.File(f"{d}/fp.h5", "r")
assert sorted(f["kept/row"][:]) == sorted(keep), (sorted(f["kept/row"][:]), sorted(keep))
assert f.attrs["strategy"] == "self-paper"
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
