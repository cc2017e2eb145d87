# `iwsi eval` end to end on a GSM8K test slice with stories260K. The model cannot do arithmetic
# (accuracy 0), so what is checked is the bookkeeping: every question has its row, the prediction
# and `correct` are what the documented extraction rule (re-implemented here in Python) gives for
# the stored text, the accuracy attribute is their mean; the file is bit-identical for 1, 2 and 3
# ranks; the other splits and repeated stop strings work; a LoRA adapter is applied (B = 0 changes
# nothing, a random B changes the answers); bad inputs fail clearly.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K
BASE=(--data.name gsm8k --data.dir "$SHARED/data" --model.path "$MODEL" --data.test_size 10 --data.exemplars 1 --model.max_positions 1024
      --runtime.threads 1)
ARGS=("${BASE[@]}" --eval.max_new_tokens 24 --eval.batch_rows 3)

for np_ in 1 2 3; do
  check "eval on $np_ rank(s)" bash -c "mpirun -np $np_ '$IWSI' eval ${ARGS[*]} --eval.output '$WORK/e$np_.h5' >'$WORK/e$np_.log' 2>&1"
done
check "1 and 2 ranks give bit-identical rows" "$PY" tests/jobs/same_data.py "$WORK/e1.h5" "$WORK/e2.h5" questions
check "1 and 3 ranks give bit-identical rows" "$PY" tests/jobs/same_data.py "$WORK/e1.h5" "$WORK/e3.h5" questions
check "the log states the accuracy" grep -q "eval: accuracy 0% (0 of 10 correct) on gsm8k test" "$WORK/e3.log"

# The extraction rule of ../shared/docs/IWSI.md section 4, written again from the text of the rule.
cat >"$WORK/extract.py" <<'PY'
import re
from decimal import Decimal

def extract(text):
    """The canonical number after the last 'the answer is' (after its last '=' if any), or ''."""
    i = text.lower().rfind("the answer is")
    if i < 0:
        return ""
    rest = text[i + len("the answer is"):]
    if "=" in rest:
        rest = rest[rest.rfind("=") + 1:]
    rest = re.sub(r"(?<=\d),(?=\d)", "", rest)
    m = re.search(r"\d+(?:\.\d+)?", rest)
    if not m:
        return ""
    sign = re.search(r"(?:^|[^0-9A-Za-z])(?:-|\u2212)\$?$", rest[:m.start()])
    return canonical(("-" if sign else "") + m.group())

def canonical(number):
    value = Decimal(number)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")

assert extract("7 + 5 = 12 . 12 - 3 = 9 . The answer is 9.") == "9"
assert extract("The answer is 3. No wait, the answer is 1,080.") == "1080"
assert extract("the answer is x = 12 + 1 = 13 apples") == "13"
assert extract("The answer is -$4.50 in all") == "-4.5"
assert extract("The answer is 18.0") == "18"
assert extract("Once upon a time") == "" and extract("The answer is nothing") == ""
PY

check "every row is there and scored by the documented rule; accuracy is the mean" "$PY" - "$WORK/e2.h5" \
  "$SHARED/data/gsm8k/test.jsonl" "$MODEL" "$WORK" <<'PY'
import json, sys, h5py, numpy as np
sys.path.insert(0, sys.argv[4])
from extract import extract, canonical
f = h5py.File(sys.argv[1], "r")
a, q = f.attrs, f["questions"]
text = lambda col, i: bytes(col["values"][col["offsets"][i]:col["offsets"][i + 1]].astype(np.uint8)).decode()
assert a["schema"] == "iwsi.eval" and a["complete"] == 1 and a["mpi_ranks"] == 2
assert (a["dataset"], a["split"], a["model_path"], a["adapter"]) == ("gsm8k", "test", sys.argv[3], ""), dict(a)
assert a["total"] == 10 and list(q["question_index"][:]) == list(range(10))
records = [json.loads(line) for line in open(sys.argv[2])][:10]
correct = []
for i, record in enumerate(records):
    assert text(q["id"], i) == f"test.jsonl:{i + 1}", text(q["id"], i)
    assert text(q["gold"], i) == canonical(record["answer"].split("####")[-1].strip().replace(",", ""))
    t = text(q["text"], i)
    assert "\nQ:" not in t
    assert text(q["prediction"], i) == extract(t), (t, text(q["prediction"], i))
    p = extract(t)
    correct.append(int(p != "" and float(p) == float(text(q["gold"], i))))
    assert 1 <= q["length"][i] <= 24 and q["finish_reason"][i] in (0, 2, 3)
    assert q["finish_reason"][i] != 3 or q["length"][i] == 24
assert list(q["correct"][:]) == correct
assert a["correct"] == sum(correct) and abs(a["accuracy"] - 100.0 * np.mean(correct)) < 1e-12, (a["accuracy"], correct)
assert a["few_shot_prefix"].startswith("Q: ") and "The answer is" in a["few_shot_prefix"]
PY

# The other splits: the pool is the prefix of train.jsonl, the valid set follows it.
check "eval of the pool split" mpirun -np 2 "$IWSI" eval "${ARGS[@]}" --data.pool_size 5 --data.valid_size 2 \
  --eval.split pool --eval.output "$WORK/pool.h5"
check "eval of the valid split, two stop strings" mpirun -np 2 "$IWSI" eval "${ARGS[@]}" --data.pool_size 5 \
  --data.valid_size 2 --eval.split valid --eval.stop '\n' --eval.stop ' the ' --eval.output "$WORK/valid.h5"
check "the splits' rows, ids and stops" "$PY" - "$WORK/pool.h5" "$WORK/valid.h5" <<'PY'
import sys, h5py, numpy as np
text = lambda col, i: bytes(col["values"][col["offsets"][i]:col["offsets"][i + 1]].astype(np.uint8)).decode()
pool, valid = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert pool.attrs["split"] == "pool" and pool.attrs["total"] == 5
assert [text(pool["questions/id"], i) for i in range(5)] == [f"train.jsonl:{i}" for i in range(1, 6)]
assert valid.attrs["split"] == "valid" and valid.attrs["total"] == 2
assert [text(valid["questions/id"], i) for i in range(2)] == ["train.jsonl:6", "train.jsonl:7"]
for i in range(2):
    t = text(valid["questions/text"], i)
    assert "\n" not in t and " the " not in t, t
PY

# A LoRA adapter on q_proj and v_proj: with B = 0 it is the base model exactly; with a random B the
# answers change, so the adapter really is applied.
"$PY" tests/jobs/write_safetensors.py lora "$MODEL/config.json" "$WORK/zero_adapter" 2 4 0 1
"$PY" tests/jobs/write_safetensors.py lora "$MODEL/config.json" "$WORK/random_adapter" 2 4 1.0 2
check "eval with a B = 0 adapter" mpirun -np 2 "$IWSI" eval "${ARGS[@]}" --eval.adapter "$WORK/zero_adapter" \
  --eval.output "$WORK/zero.h5"
check "a B = 0 adapter answers like the base model" "$PY" tests/jobs/same_data.py "$WORK/e1.h5" "$WORK/zero.h5" questions
check "eval with a random adapter" bash -c "mpirun -np 2 '$IWSI' eval ${ARGS[*]} --eval.adapter '$WORK/random_adapter' \
  --eval.output '$WORK/random.h5' >'$WORK/random.log' 2>&1"
check "the log names the adapter" grep -q "eval: LoRA adapter $WORK/random_adapter (r 2, alpha 4)" "$WORK/random.log"
check "a random adapter changes the answers and is recorded" "$PY" - "$WORK/e1.h5" "$WORK/random.h5" "$WORK/random_adapter" <<'PY'
import sys, h5py, numpy as np
base, lora = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert lora.attrs["adapter"] == sys.argv[3] and base.attrs["adapter"] == ""
assert not np.array_equal(base["questions/text/values"][()], lora["questions/text/values"][()])
PY

mkdir -p "$WORK/empty_adapter"
expect_failure "unknown split" "option --eval.split=train: expected test, valid or pool" \
  "$IWSI" eval "${ARGS[@]}" --eval.split train --eval.output "$WORK/x.h5"
expect_failure "missing adapter directory" "option --eval.adapter=$WORK/no_adapter: no such directory" \
  mpirun -np 2 "$IWSI" eval "${ARGS[@]}" --eval.adapter "$WORK/no_adapter" --eval.output "$WORK/x.h5"
expect_failure "an adapter directory without adapter files" "$WORK/empty_adapter/adapter_config.json" \
  mpirun -np 2 "$IWSI" eval "${ARGS[@]}" --eval.adapter "$WORK/empty_adapter" --eval.output "$WORK/x.h5"
expect_failure "zero new tokens" "option --eval.max_new_tokens=0 is outside" \
  "$IWSI" eval "${BASE[@]}" --eval.max_new_tokens 0 --eval.output "$WORK/x.h5"
expect_failure "no output named" "--eval.output" "$IWSI" eval "${ARGS[@]}"
check "no output file is left by the failures" test ! -e "$WORK/x.h5" -a ! -e "$WORK/x.h5.tmp"
finish
