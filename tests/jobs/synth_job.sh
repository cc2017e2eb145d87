# `iwsi synth` end to end: a tiny task is written with every file, the same seed gives the same bytes
# and another seed other problems; the records are checked here independently (answers computed from
# the questions' words, styles, disjoint splits, vocabulary coverage); the task's own tokenizer and
# base_config.json make a loadable model directory (random weights) that `iwsi eval` runs on the
# task; bad options fail clearly.
source "$(dirname "$0")/lib.bash"
SIZES=(--synth.train_size 60 --synth.pool_size 40 --synth.valid_size 2 --synth.test_size 20)
FILES=(train.jsonl pool.jsonl valid.jsonl test.jsonl tokenizer.json tokenizer_config.json generation_config.json
       base_config.json task.json README.md)

check "synth on 2 ranks" mpirun -np 2 "$IWSI" synth --synth.output_dir "$WORK/task" --synth.seed 3 "${SIZES[@]}"
for file in "${FILES[@]}"; do
  check "$file is written" test -s "$WORK/task/$file"
done
check "the same seed gives the same bytes" bash -c "'$IWSI' synth --synth.output_dir '$WORK/again' --synth.seed 3 \
  ${SIZES[*]} >/dev/null 2>&1 && diff -r '$WORK/task' '$WORK/again'"
check "another seed gives other problems" bash -c "'$IWSI' synth --synth.output_dir '$WORK/other' --synth.seed 4 \
  ${SIZES[*]} >/dev/null 2>&1 && ! cmp -s '$WORK/task/test.jsonl' '$WORK/other/test.jsonl'"

check "records: sizes, answers, styles, disjoint splits, vocabulary, model config" "$PY" - "$WORK/task" <<'PY'
import json, re, sys
d = sys.argv[1]
splits = {s: [json.loads(l) for l in open(f"{d}/{s}.jsonl")] for s in ("train", "pool", "valid", "test")}
assert {s: len(r) for s, r in splits.items()} == {"train": 60, "pool": 40, "valid": 2, "test": 20}
vocab = json.load(open(f"{d}/tokenizer.json"))["model"]["vocab"]
adds, takes = {"buys", "finds", "gets"}, {"gives", "loses", "sells"}
questions = set()
for split, records in splits.items():
    for i, r in enumerate(records):
        assert set(r) == {"question", "answer", "style", "id"} and r["id"] == f"{split}-{i}", r
        w = r["question"].split()
        value = int(w[w.index("has") + 1])
        for k, word in enumerate(w):
            if word in adds | takes:
                value += int(w[k + 1]) if word in adds else -int(w[k + 1])
                assert 0 <= value <= 30, r
        steps, answer = r["answer"].rsplit("####", 1)
        assert int(answer) == value, r
        assert r["style"] in ("clean", "jumping", "redundant", "spurious") and (split == "train" or r["style"] == "clean")
        assert (steps == "") == (r["style"] == "jumping"), r
        rationale = steps + "The answer is " + answer.strip() + "."
        for word in ("Q: " + r["question"] + "\nA: " + rationale).split():
            assert word in vocab, (word, r)
        questions.add(r["question"])
assert len(questions) == 122
config = json.load(open(f"{d}/base_config.json"))
assert config["vocab_size"] == len(vocab) and config["hidden_size"] == 128 and config["num_hidden_layers"] == 2
task = json.load(open(f"{d}/task.json"))
assert task["seed"] == 3 and task["profile"] == "mild" and task["sizes"]["train"] == 60
assert sum(task["train_style_totals"].values()) == 60
PY

# A model directory from the task's files, with random weights: loads, and evaluates the task.
mkdir -p "$WORK/model"
cp "$WORK/task/"{tokenizer.json,tokenizer_config.json,generation_config.json} "$WORK/model/"
cp "$WORK/task/base_config.json" "$WORK/model/config.json"
"$PY" tests/jobs/write_safetensors.py model "$WORK/model/config.json" "$WORK/model/model.safetensors" 5
check "iwsi eval runs the task with its own tokenizer" mpirun -np 2 "$IWSI" eval --data.name synthetic \
  --data.dir "$WORK/task" --data.exemplars 1 --model.path "$WORK/model" --eval.max_new_tokens 6 --eval.stop Q: \
  --runtime.threads 1 --eval.output "$WORK/eval.h5"
check "every test question answered in task words" "$PY" - "$WORK/eval.h5" "$WORK/task" <<'PY'
import json, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
q = f["questions"]
vocab = json.load(open(sys.argv[2] + "/tokenizer.json"))["model"]["vocab"]
assert f.attrs["total"] == 20 and f.attrs["dataset"] == "synthetic"
for i in range(20):
    t = bytes(q["text/values"][q["text/offsets"][i]:q["text/offsets"][i + 1]].astype(np.uint8)).decode()
    assert all(word in vocab for word in t.split()), t
PY

expect_failure "valid above 5% of the pool" "option --synth.valid_size=3 is more than 5% of --synth.pool_size=40" \
  "$IWSI" synth --synth.output_dir "$WORK/bad" --synth.train_size 60 --synth.pool_size 40 --synth.valid_size 3
expect_failure "unknown profile" "option --synth.profile=medium: expected mild or strong" \
  mpirun -np 2 "$IWSI" synth --synth.output_dir "$WORK/bad" "${SIZES[@]}" --synth.profile medium
touch "$WORK/a_file"
expect_failure "an output dir that is a file" "option --synth.output_dir=$WORK/a_file is a file; give a directory" \
  mpirun -np 2 "$IWSI" synth --synth.output_dir "$WORK/a_file" "${SIZES[@]}"
check "nothing written by the failures" test ! -e "$WORK/bad"
finish
