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

for strategy in none lmsi oracle entropy entropy-paper iwsi-w; do
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
# entropy: the k% of D_c whose question has the lowest normalised answer entropy (ties by row)
votes = {}
ends, text = c["answer/offsets"][:], c["answer/values"][:].tobytes()
answer = [text[ends[i]:ends[i + 1]].decode() if parsed[i] else None for i in range(len(q))]
for i in range(len(q)):
    votes.setdefault(q[i], []).append(answer[i])
def official_entropy(answers):  # filter_data.py, mode Entropy: parsed answers only, / log(#parsed)
    counts = {}
    for a in answers:
        if a is not None: counts[a] = counts.get(a, 0) + 1
    total = sum(counts.values())
    if total < 2: return None
    return sum(-n / total * np.log(n / total) for n in counts.values()) / np.log(total)
u = {question: official_entropy(a) for question, a in votes.items()}
ranked = sorted([r for r in rows if u[q[r]] is not None], key=lambda r: (u[q[r]], q[r], s[r]))
sigma = u[q[ranked[max(1, int(np.floor(0.5 * len(ranked)))) - 1]]]
expected = sorted(r for r in ranked if u[q[r]] <= sigma + 1e-12)
assert kept("entropy-paper") == expected, (kept("entropy-paper"), expected)
fe = h5py.File(f"{d}/f_entropy-paper.h5", "r")
assert abs(fe.attrs["sigma_k"] - sigma) <= 1e-12 and fe.attrs["strategy"] == "entropy-paper"
kept_questions = {q[r] for r in expected}
assert all(r in expected for r in rows if q[r] in kept_questions), "whole questions are kept"
fw = h5py.File(f"{d}/f_iwsi-w.h5", "r")["kept"]
assert list(fw["row"][:]) == list(rows) and np.allclose(fw["weight"][:], np.minimum(w_prime[rows], 2.0))
PY

# rm: analysis/rm_inputs.py exports the D_c texts a reward model scores (README: "Reward-model
# scores"); a stand-in reward (the answer's length) is written back and rm keeps the k% highest.
check "rm_inputs.py exports every D_c row" "$PY" analysis/rm_inputs.py "$WORK/c.h5" "$WORK/rm_inputs.jsonl"
check "a scores file from the exported texts" "$PY" - "$WORK" <<'PY'
import json, sys
d = sys.argv[1]
with open(f"{d}/rm_inputs.jsonl") as inputs, open(f"{d}/rm.jsonl", "w") as out:
    for line in inputs:
        row = json.loads(line)
        out.write(json.dumps({"question": row["question"], "sample": row["sample"], "score": len(row["answer"])}) + "\n")
PY
check "filter rm k=50" mpirun -np 2 "$IWSI" filter --filter.candidates "$WORK/c.h5" --filter.rm_scores "$WORK/rm.jsonl" \
  --filter.output "$WORK/f_rm.h5" --strategy rm --k 50
check "rm keeps the k% of D_c with the highest score, the exported texts being D_c's" "$PY" - "$WORK" <<'PY'
import json, sys, h5py, numpy as np
d = sys.argv[1]
c = h5py.File(f"{d}/c.h5", "r")
t = c["candidates"]
cons, q, s = t["consistent"][:] == 1, t["question_index"][:], t["sample_index"][:]
ends, values = t["text/offsets"][:], t["text/values"][:].tobytes()
qends, qvalues = c["questions/prompt/offsets"][:], c["questions/prompt/values"][:].tobytes()
rows = np.where(cons)[0]
exported = [json.loads(line) for line in open(f"{d}/rm_inputs.jsonl")]
assert [(e["question"], e["sample"]) for e in exported] == [(q[r], s[r]) for r in rows]
for e, r in zip(exported, rows):
    assert e["answer"] == values[ends[r]:ends[r + 1]].decode().strip()
    assert e["question_text"] == qvalues[qends[q[r]]:qends[q[r] + 1]].decode()
score = {(e["question"], e["sample"]): len(e["answer"]) for e in exported}
order = sorted(rows, key=lambda r: (-score[(q[r], s[r])], q[r], s[r]))
keep = sorted(order[:max(1, int(np.floor(0.5 * len(rows))))])
assert sorted(h5py.File(f"{d}/f_rm.h5", "r")["kept/row"][:]) == keep
PY

F=(--filter.candidates "$WORK/c.h5" --filter.weights "$WORK/w.h5" --filter.output "$WORK/bad.h5")
expect_failure "k = 0" "option --filter.k=0 is outside (0, 100]" mpirun -np 2 "$IWSI" filter "${F[@]}" --k 0
expect_failure "k = 150" "option --filter.k=150 is outside (0, 100]" "$IWSI" filter "${F[@]}" --k 150
expect_failure "unknown strategy" "unknown option --filter.strategy \"best\" (valid: none, lmsi, iwsi, entropy, self, rm, oracle, iwsi-w, entropy-paper, self-paper)" "$IWSI" filter "${F[@]}" --strategy best
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
