# `iwsi train` end to end with stories260K: LoRA on an lmsi selection of GSM8K solutions follows
# the same loss curve on 1, 2 and 3 ranks and writes a PEFT adapter (in float64, where the rank
# counts' different summation orders stay below 1e-9 relative: gamma64(10^5) ~ 1e-11 a step, and in
# float32 AdamW moves elements whose gradients are rounding noise by ~lr, so curves legitimately part);
# full fine-tuning (from the base or from scratch) on GSM8K JSON Lines overfits and writes a
# loadable model directory; a run stopped by --train.stop_after or by SIGUSR1 resumes from its
# checkpoint to the uninterrupted run's exact curve and adapter; bad inputs fail clearly on every
# rank and leave no train.h5.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/c.h5" 12
check "filter lmsi selection" mpirun -np 1 "$IWSI" filter --filter.candidates "$WORK/c.h5" \
  --filter.output "$WORK/sel.h5" --strategy lmsi
T0=(--train.candidates "$WORK/c.h5" --train.selection "$WORK/sel.h5" --model.path "$MODEL" --runtime.threads 1
    --train.max_length 160 --train.batch_size 6 --train.micro_batch 2 --train.lora_r 4 --train.lora_alpha 8
    --train.lora_dropout 0.1 --train.lr 3e-3 --train.checkpoint_every 2 --model.dtype float64)
T=("${T0[@]}" --train.max_steps 6)
for np_ in 1 2 3; do
  check "lora training on $np_ rank(s)" mpirun -np $np_ "$IWSI" train "${T[@]}" --train.output_dir "$WORK/lora$np_"
done
check "lora: 2 and 3 ranks follow the 1-rank loss curve; adapter and train.h5 complete" "$PY" - "$WORK" <<'PY'
import sys, os, json, h5py, numpy as np
d = sys.argv[1]
curves = {}
for n in (1, 2, 3):
    f = h5py.File(f"{d}/lora{n}/train.h5", "r")
    assert f.attrs["schema"] == "iwsi.train" and f.attrs["complete"] == 1 and f.attrs["mode"] == "lora"
    s = f["steps"]
    assert list(s["step"][:]) == [1, 2, 3, 4, 5, 6], s["step"][:]
    assert np.all(s["tokens"][:] > 0) and np.all(s["tokens_per_s"][:] > 0) and np.all(s["grad_norm"][:] > 0)
    assert np.allclose(s["epoch"][:], np.arange(1, 7) / np.ceil(f.attrs["samples"] / 6))
    assert f.attrs["final_loss"] == s["loss"][-1]
    curves[n] = s["loss"][:]
    assert s["lr"][0] == 3e-3 and s["lr"][-1] < s["lr"][0], s["lr"][:]  # cosine from the peak
    cfg = json.load(open(f"{d}/lora{n}/adapter_config.json"))
    assert cfg["r"] == 4 and cfg["lora_alpha"] == 8, cfg
    assert os.path.getsize(f"{d}/lora{n}/adapter_model.safetensors") > 0
    assert not os.path.exists(f"{d}/lora{n}/checkpoint"), "checkpoint left after a finished run"
sel = h5py.File(f"{d}/sel.h5", "r")
t = h5py.File(f"{d}/lora1/train.h5", "r").attrs
assert t["samples"] + t["dropped_samples"] == len(sel["kept/row"]) and t["samples"] > 6, "every kept row trained or counted"
for n in (2, 3):
    rel = np.abs(curves[n] - curves[1]) / np.abs(curves[1])
    print(f"{n} ranks: max relative loss difference {rel.max():.2e}")
    assert rel.max() < 1e-9, (n, curves[n], curves[1])
PY

# A run stopped after 3 steps (as on a signal) and resumed, on 2 ranks: the 2-rank uninterrupted run exactly.
expect_code() { local want=$1; shift; "$@" >"$WORK/log" 2>&1; local rc=$?; [ $rc -eq "$want" ] || { tail -5 "$WORK/log"; return 1; }; }
check "stop_after 3: exit 75 (requeue)" expect_code 75 mpirun -np 2 "$IWSI" train "${T[@]}" --train.output_dir "$WORK/resume" \
  --train.stop_after 3
check "stopped run: a checkpoint, no train.h5" test -f "$WORK/resume/checkpoint/state.json" -a ! -e "$WORK/resume/train.h5"
expect_failure "a checkpoint of another run is refused" "holds a checkpoint of another training run" mpirun -np 2 \
  "$IWSI" train "${T[@]}" --train.output_dir "$WORK/resume" --train.seed 5
expect_failure "a checkpoint of other numerics is refused" "holds a checkpoint computed with other numerics" \
  mpirun -np 2 "$IWSI" train "${T[@]}" --train.output_dir "$WORK/resume" --runtime.numerics native
check "resumed run finishes" mpirun -np 2 "$IWSI" train "${T[@]}" --train.output_dir "$WORK/resume"
check "resumed: the uninterrupted run's steps exactly" "$PY" - "$WORK/lora2/train.h5" "$WORK/resume/train.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["steps"] for p in sys.argv[1:])
for column in ("step", "epoch", "loss", "lr", "grad_norm", "tokens"):
    assert np.array_equal(a[column][:], b[column][:]), (column, a[column][:], b[column][:])
PY
check "resumed: bit-identical adapter" cmp "$WORK/lora2/adapter_model.safetensors" "$WORK/resume/adapter_model.safetensors"

# SIGUSR1 to mpirun (forwarded to every rank) in the middle of a longer run, then resume on 3 ranks.
L=("${T0[@]}" --train.max_steps 40)
check "uninterrupted 40-step run on 2 ranks" mpirun -np 2 "$IWSI" train "${L[@]}" --train.output_dir "$WORK/long"
mpirun -np 2 "$IWSI" train "${L[@]}" --train.output_dir "$WORK/signal" >"$WORK/signal.log" 2>&1 &
RUN=$!
for _ in $(seq 600); do grep -qE "train step ([5-9]|[1-3][0-9])/" "$WORK/signal.log" && break; sleep 0.1; done
kill -USR1 $RUN
wait $RUN; RC=$?
check "SIGUSR1: exit 75 with a checkpoint" test $RC -eq 75 -a -f "$WORK/signal/checkpoint/state.json"
check "resume on 3 ranks finishes" mpirun -np 3 "$IWSI" train "${L[@]}" --train.output_dir "$WORK/signal"
check "signal + resume on another rank count: same curve (< 1e-9, float64) and every step once" "$PY" - "$WORK" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
a, b = h5py.File(f"{d}/long/train.h5", "r")["steps"], h5py.File(f"{d}/signal/train.h5", "r")["steps"]
assert list(b["step"][:]) == list(range(1, 41)), b["step"][:]
rel = np.abs(a["loss"][:] - b["loss"][:]) / a["loss"][:]
print(f"max relative loss difference {rel.max():.2e}; resumed at step", h5py.File(f"{d}/signal/train.h5", "r").attrs["resumed_at_step"])
assert rel.max() < 1e-9
PY

# Full fine-tuning on GSM8K JSON Lines: from the base model, and from scratch with a config + tokenizer.
head -n 12 "$SHARED/data/gsm8k/train.jsonl" > "$WORK/g.jsonl"
F=(--train.jsonl "$WORK/g.jsonl" --train.mode full --runtime.threads 1 --train.max_length 200 --train.batch_size 4
   --train.max_steps 24 --train.lr 3e-3)
check "full training from the base" mpirun -np 2 "$IWSI" train "${F[@]}" --model.path "$MODEL" --train.output_dir "$WORK/full"
check "full training from scratch" mpirun -np 2 "$IWSI" train "${F[@]}" --train.init_config "$MODEL/config.json" \
  --train.tokenizer "$MODEL" --train.output_dir "$WORK/scratch"
check "full: loss falls, a complete model directory with changed weights" "$PY" - "$WORK" "$MODEL" <<'PY'
import sys, os, json, struct, h5py, numpy as np
d, model = sys.argv[1], sys.argv[2]
def tensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    return {k: raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]] for k, v in header.items() if k != "__metadata__"}
base = tensors(f"{model}/model.safetensors")
for run in ("full", "scratch"):
    s = h5py.File(f"{d}/{run}/train.h5", "r")["steps"]
    loss = s["loss"][:]
    print(run, "loss", loss[0], "->", loss[-1])
    assert loss[-1] < loss[0] - 1.0, loss  # at least a nat lower (scratch starts near ln V)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        assert os.path.exists(f"{d}/{run}/{name}"), name
    trained = tensors(f"{d}/{run}/model.safetensors")
    assert trained.keys() == base.keys(), sorted(set(trained) ^ set(base))
    assert all(trained[k] != base[k] for k in base), "a weight did not change"
assert h5py.File(f"{d}/full/train.h5", "r").attrs["mode"] == "full"
PY

# Bad inputs: clear errors on every rank, no train.h5.
B=(--model.path "$MODEL" --runtime.threads 1 --train.max_length 160 --train.output_dir "$WORK/bad")
expect_all_ranks() {  # expect_all_ranks "what" "text" command...: fails, and both ranks of -np 2 say the text
  local what=$1 text=$2; shift 2
  expect_failure "$what" "$text" "$@"
  local out; out=$(timeout 60 "$@" 2>&1)
  if grep -F -- "$text" <<<"$out" | grep -q "r0 ERROR" && grep -F -- "$text" <<<"$out" | grep -q "r1 ERROR"; then
    ok "$what: reported by rank 0 and rank 1"
  else bad "$what: not reported by both ranks"; fi
}
: > "$WORK/empty.jsonl"
expect_all_ranks "empty training set" "the training set is empty" mpirun -np 2 "$IWSI" train "${B[@]}" \
  --train.jsonl "$WORK/empty.jsonl"
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/other.h5" 5
expect_all_ranks "selection from another candidate file" "was not made from --train.candidates=$WORK/other.h5" \
  mpirun -np 2 "$IWSI" train "${B[@]}" --train.candidates "$WORK/other.h5" --train.selection "$WORK/sel.h5"
expect_all_ranks "unknown LoRA target" "foo_proj" mpirun -np 2 "$IWSI" train "${B[@]}" --train.jsonl "$WORK/g.jsonl" \
  --train.lora_targets q_proj,foo_proj
expect_all_ranks "missing model" "input not found: $WORK/no-model" mpirun -np 2 "$IWSI" train \
  --train.jsonl "$WORK/g.jsonl" --model.path "$WORK/no-model" --train.output_dir "$WORK/bad"
expect_failure "an unknown all-reduce" "option --train.allreduce=best: expected auto, nccl or mpi" "$IWSI" train "${B[@]}" \
  --train.jsonl "$WORK/g.jsonl" --train.allreduce best
# (without NCCL in the build: "built without NCCL"; with it, on a CPU: "the model is on cpu")
expect_failure "NCCL asked where it cannot run" "gradient all-reduce nccl: " "$IWSI" train "${B[@]}" \
  --train.jsonl "$WORK/g.jsonl" --train.allreduce nccl
expect_failure "two data sources" "not both, not neither" "$IWSI" train "${B[@]}" --train.jsonl "$WORK/g.jsonl" \
  --train.candidates "$WORK/c.h5" --train.selection "$WORK/sel.h5"
expect_failure "from scratch in lora mode" "needs --train.mode full" "$IWSI" train --train.jsonl "$WORK/g.jsonl" \
  --train.init_config "$MODEL/config.json" --train.tokenizer "$MODEL" --train.output_dir "$WORK/bad"
expect_failure "bad micro batch" "option --train.micro_batch=0" "$IWSI" train "${B[@]}" --train.jsonl "$WORK/g.jsonl" \
  --train.micro_batch 0
expect_failure "output into the base model's directory" "is the base model's directory" "$IWSI" train \
  --train.jsonl "$WORK/g.jsonl" --model.path "$MODEL" --train.output_dir "$MODEL"
check "no train.h5 is left by the failures" test ! -e "$WORK/bad/train.h5"
finish
