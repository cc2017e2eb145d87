# The fault catalogue: bad inputs, mismatched files, damaged files and faults (signals, a stalled
# rank, a full disk) against the real `iwsi` on 2 ranks. Each case must end non-zero within 60 s
# with a message that names the option, file, line, question or model at fault, and must leave no
# finished-looking output. The first group are the defects of issue 20; the rest guard what held up.
source "$(dirname "$0")/lib.bash"
SHOW_MESSAGES=1
MODEL=$SHARED/models/stories260K
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/c.h5" 12
# Another candidate file of the same size and shape: only its recorded SHA-256 tells them apart.
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/twin.h5" 12
"$PY" - "$WORK/twin.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    f.attrs["git_commit"] = "another run"
PY
mkdir -p "$WORK/data" && cp -r "$SHARED/data/gsm8k" "$WORK/data/"
cp -r "$MODEL" "$WORK/model" && chmod -R u+w "$WORK/model"
DATA=(--data.name gsm8k --data.dir "$WORK/data")
MP=(--model.path "$MODEL" --runtime.threads 1)
# X0: a job's settings without sizes (an option given twice is an error); X: small sizes.
W0=(--weigh.candidates "$WORK/c.h5" "${DATA[@]}" "${MP[@]}")
W=("${W0[@]}" --data.valid_size 4 --weigh.chunk_size 8)
# Work that takes many seconds on any CPU (the signal and stall cases stop it long before it ends).
"$PY" tests/jobs/make_candidates.py "$SHARED" "$WORK/big.h5" 600
BIG_W=(--weigh.candidates "$WORK/big.h5" "${DATA[@]}" "${MP[@]}" --data.valid_size 40 --weigh.chunk_size 1)
G0=("${DATA[@]}" "${MP[@]}" --data.valid_size 2 --data.exemplars 1 --sampling.m 2)
G=("${G0[@]}" --data.pool_size 4 --max_new_tokens 8)
E0=("${DATA[@]}" "${MP[@]}" --data.exemplars 1)
E=("${E0[@]}" --data.test_size 4 --eval.max_new_tokens 8)
LONG=(--model.max_positions 1024)  # an exemplar + some GSM8K questions pass stories260K's 512 positions
NP2=(mpirun -np 2 "$IWSI")

check "weigh the candidates (for the cases below)" "${NP2[@]}" weigh "${W[@]}" --weigh.output "$WORK/w.h5"
check "judge the candidates (for the cases below)" "${NP2[@]}" judge --judge.candidates "$WORK/c.h5" "${MP[@]}" \
  --judge.output "$WORK/j.h5"
check "an lmsi selection (for the cases below)" "${NP2[@]}" filter --filter.candidates "$WORK/c.h5" \
  --filter.output "$WORK/sel.h5" --strategy lmsi

# --- An output that is also an input, a directory, unwritable or being written: refused at start.
sha_before=$(sha256sum "$WORK/c.h5")
expect_failure "weigh output = its candidates" "is also an input of this job" \
  "${NP2[@]}" weigh "${W[@]}" --weigh.output "$WORK/c.h5"
check "  ... and the candidates are intact" test "$(sha256sum "$WORK/c.h5")" = "$sha_before"
expect_failure "generate output in its own dataset directory" "lies in the input directory" \
  "${NP2[@]}" generate "${G[@]}" --generate.output "$WORK/data/gsm8k/train.jsonl"
check "  ... and the pool is intact" cmp -s "$WORK/data/gsm8k/train.jsonl" "$SHARED/data/gsm8k/train.jsonl"
expect_failure "eval output = the model's weights" "lies in the input directory" \
  "${NP2[@]}" eval "${E[@]/$MODEL/$WORK/model}" --eval.output "$WORK/model/model.safetensors"
check "  ... and the weights are intact" cmp -s "$WORK/model/model.safetensors" "$MODEL/model.safetensors"
expect_failure "filter output = its weights" "is also an input of this job" "${NP2[@]}" filter \
  --filter.candidates "$WORK/c.h5" --filter.weights "$WORK/w.h5" --filter.output "$WORK/w.h5" --strategy iwsi --k 50
expect_failure "train into the directory that holds its selection" "holds the input" "${NP2[@]}" train \
  --train.candidates "$WORK/c.h5" --train.selection "$WORK/sel.h5" "${MP[@]}" --train.output_dir "$WORK"
mkdir -p "$WORK/a_dir"
expect_failure "weigh output is a directory" "option --weigh.output=$WORK/a_dir is a directory" \
  "${NP2[@]}" weigh "${W[@]}" --weigh.output "$WORK/a_dir"
expect_failure "train output_dir is a file" "is a file; give a directory" "${NP2[@]}" train \
  --train.candidates "$WORK/c.h5" --train.selection "$WORK/sel.h5" "${MP[@]}" --train.output_dir "$WORK/w.h5"
expect_failure "unwritable output location" "option --weigh.output=/proc/iwsi/w.h5: cannot" \
  "${NP2[@]}" weigh "${W[@]}" --weigh.output /proc/iwsi/w.h5
expect_failure "an output in a directory that cannot be written" "option --weigh.output=/proc/w.h5: cannot write there" \
  "${NP2[@]}" weigh "${W[@]}" --weigh.output /proc/w.h5
expect_failure "empty output option" "option --judge.output is empty" \
  "${NP2[@]}" judge --judge.candidates "$WORK/c.h5" "${MP[@]}" --judge.output ""
# Two jobs on one output: the second is refused while the first holds the lock. The first job's
# rank 0 (the lock holder, named in the lock file) is paused meanwhile, so that it cannot finish first.
"${NP2[@]}" judge --judge.candidates "$WORK/c.h5" "${MP[@]}" --judge.output "$WORK/busy.h5" --judge.chunk_size 1 \
  >"$WORK/first.log" 2>&1 &
first=$!
for _ in $(seq 400); do [ -s "$WORK/busy.h5.lock" ] && break; sleep 0.05; done
holder=$(awk '{print $2}' "$WORK/busy.h5.lock")
kill -STOP "$holder"
expect_failure "a second job on an output being written" "another job is writing it now ($WORK/busy.h5.lock is locked by pid $holder" \
  "${NP2[@]}" judge --judge.candidates "$WORK/c.h5" "${MP[@]}" --judge.output "$WORK/busy.h5"
kill -CONT "$holder"
wait $first
check "  ... while the first finishes and releases its lock" test $? -eq 0 -a -e "$WORK/busy.h5" -a ! -e "$WORK/busy.h5.lock"

# --- Files made from other inputs: the recorded SHA-256 decides.
"${NP2[@]}" weigh "${W[@]/$WORK\/c.h5/$WORK/twin.h5}" --weigh.output "$WORK/w_twin.h5" >/dev/null 2>&1
expect_failure "filter: weights of a same-size twin candidate file" "was not made from" "${NP2[@]}" filter \
  --filter.candidates "$WORK/c.h5" --filter.weights "$WORK/w_twin.h5" --filter.output "$WORK/bad.h5" --strategy iwsi --k 50
expect_failure "filter: judgments of a same-size twin candidate file" "was not made from" "${NP2[@]}" filter \
  --filter.candidates "$WORK/twin.h5" --filter.judgments "$WORK/j.h5" --filter.output "$WORK/bad.h5" --strategy self --k 50
expect_failure "train: candidates that are not the selection's" "was not made from" "${NP2[@]}" train \
  --train.candidates "$WORK/twin.h5" --train.selection "$WORK/sel.h5" "${MP[@]}" --train.output_dir "$WORK/bad_train"
# A retrain killed into the directory of a finished adapter: eval must not use the old adapter.
T=(--train.candidates "$WORK/c.h5" --train.selection "$WORK/sel.h5" "${MP[@]}" --train.max_length 96
   --train.batch_size 2 --train.micro_batch 2 --train.lora_r 2 --train.checkpoint_every 1)
check "train an adapter" "${NP2[@]}" train "${T[@]}" --train.max_steps 2 --train.output_dir "$WORK/lora"
"${NP2[@]}" train "${T[@]}" --train.max_steps 4 --train.stop_after 1 --train.output_dir "$WORK/lora" >/dev/null 2>&1
check "  ... a retrain stopped after 1 step removed the old adapter" test ! -e "$WORK/lora/adapter_model.safetensors"
expect_failure "eval with the adapter of an unfinished retrain" "$WORK/lora: its training has not finished" \
  "${NP2[@]}" eval "${E[@]}" --eval.adapter "$WORK/lora" --eval.output "$WORK/bad.h5"

# --- Damaged files.
cp "$WORK/c.h5" "$WORK/offsets.h5"
"$PY" - "$WORK/offsets.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    o = f["candidates/text/offsets"]
    o[5] = o[3]  # row 4 now ends before it starts
PY
expect_failure "ragged offsets that decrease" "candidates/text of $WORK/offsets.h5: offsets decrease at row" \
  "${NP2[@]}" weigh "${W[@]/$WORK\/c.h5/$WORK/offsets.h5}" --weigh.output "$WORK/bad.h5"
cp "$WORK/c.h5" "$WORK/offsets_end.h5"
"$PY" - "$WORK/offsets_end.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    o = f["candidates/text/offsets"]
    o[-1] = o[-1] + 10**6  # past the end of the values
PY
expect_failure "ragged offsets past the end" "column /candidates/text of $WORK/offsets_end.h5: offsets reach" \
  "${NP2[@]}" weigh "${W[@]/$WORK\/c.h5/$WORK/offsets_end.h5}" --weigh.output "$WORK/bad.h5"
st_case() {  # st_case NAME PYTHON-EDIT: a copy of stories260K whose safetensors header is edited
  mkdir -p "$WORK/$1" && cp "$MODEL"/{config.json,tokenizer.json,tokenizer_config.json} "$WORK/$1/"
  "$PY" - "$MODEL/model.safetensors" "$WORK/$1/model.safetensors" "$2" <<'PY'
import json, struct, sys
blob = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
header, data = json.loads(blob[8:8 + n]), bytearray(blob[8 + n:])
exec(sys.argv[3])
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + bytes(data))
PY
}
st_case st_overlap 'names = sorted(header, key=lambda k: header[k].get("data_offsets", [0])[0]); names = [k for k in names if k != "__metadata__"]; a, b = header[names[0]], header[names[1]]; size = b["data_offsets"][1] - b["data_offsets"][0]; b["data_offsets"] = [a["data_offsets"][0], a["data_offsets"][0] + size] if a["data_offsets"][1] - a["data_offsets"][0] >= size else b["data_offsets"]; a["data_offsets"] = b["data_offsets"][:] if a["data_offsets"][1] - a["data_offsets"][0] < size else a["data_offsets"]'
edited_model_case() {  # NAME WHAT TEXT: eval with the model copy NAME (made by st_case)
  expect_failure "$2" "$WORK/$1/model.safetensors: $3" "${NP2[@]}" eval "${E[@]/$MODEL/$WORK/$1}" --eval.output "$WORK/bad.h5"
}
edited_model_case st_overlap "safetensors tensors that overlap" "tensor 'model.embed_tokens.weight' starts at data byte 0"
st_case st_hole 'data[:] = data + bytes(64)'
edited_model_case st_hole "safetensors with bytes no tensor covers" "the tensors end at data byte 1040128 but the data section holds 1040192"
st_case st_short 'del data[-100:]'
edited_model_case st_short "truncated safetensors" "tensor 'model.norm.weight' ends at byte 1040128 of the data section"
st_case st_nan 'import numpy as np; t = header["model.norm.weight"]; a, b = t["data_offsets"]; data[a:b] = np.full((b - a) // 4, np.nan, "<f4").tobytes()'
expect_failure "weigh with a NaN model names the model and sample" "under $WORK/st_nan" \
  "${NP2[@]}" weigh "${W[@]/$MODEL/$WORK/st_nan}" --weigh.output "$WORK/bad.h5"
expect_failure "generate with a NaN model names the question and model" "logits are not finite (NaN or inf) for question" \
  "${NP2[@]}" generate "${G[@]/$MODEL/$WORK/st_nan}" --generate.output "$WORK/bad.h5"
expect_failure "eval with a NaN model names the model" "(model $WORK/st_nan)" \
  "${NP2[@]}" eval "${E[@]/$MODEL/$WORK/st_nan}" --eval.output "$WORK/bad.h5"
rm -f "$WORK/model/tokenizer.json"
expect_failure "a model directory without tokenizer.json" "$WORK/model/tokenizer.json" \
  "${NP2[@]}" eval "${E[@]/$MODEL/$WORK/model}" --eval.output "$WORK/bad.h5"
expect_failure "a model directory that does not exist" "option --model.path=$WORK/no_model: no such directory" \
  "${NP2[@]}" eval "${E[@]/$MODEL/$WORK/no_model}" --eval.output "$WORK/bad.h5"
cp "$WORK/c.h5" "$WORK/unfinished.h5.tmp"
"$PY" - "$WORK/unfinished.h5.tmp" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    f.attrs["file_name"] = "unfinished.h5"  # as a job leaves it when its rename fails after complete = 1
PY
cp "$WORK/unfinished.h5.tmp" "$WORK/renamed_by_hand.h5.tmp"
expect_failure "a .tmp file marked complete" "is unfinished: it is the temporary file of unfinished.h5" \
  "${NP2[@]}" filter --filter.candidates "$WORK/unfinished.h5.tmp" --filter.output "$WORK/bad.h5" --strategy lmsi
"$PY" - "$WORK/incomplete.h5" "$WORK/c.h5" <<'PY'
import sys, h5py, shutil
shutil.copy(sys.argv[2], sys.argv[1])
with h5py.File(sys.argv[1], "a") as f:
    f.attrs["complete"] = 0
PY
expect_failure "an incomplete candidate file" "$WORK/incomplete.h5 is incomplete" \
  "${NP2[@]}" filter --filter.candidates "$WORK/incomplete.h5" --filter.output "$WORK/bad.h5" --strategy lmsi
expect_failure "a candidate file of another schema" "$WORK/w.h5 holds 'iwsi.weights', expected 'iwsi.candidates'" \
  "${NP2[@]}" filter --filter.candidates "$WORK/w.h5" --filter.output "$WORK/bad.h5" --strategy lmsi
echo "not hdf5" >"$WORK/garbage.h5"
expect_failure "a candidate file that is not HDF5" "opening $WORK/garbage.h5: file signature not found" \
  "${NP2[@]}" filter --filter.candidates "$WORK/garbage.h5" --filter.output "$WORK/bad.h5" --strategy lmsi

# --- Scores, prompts and datasets given as JSON Lines.
"$PY" - "$WORK" <<'PY'
import json, sys
d = sys.argv[1]
rows = [{"question": q, "sample": s, "score": float(q + s)} for q in range(12) for s in range(3)]
with open(f"{d}/rm_dup.jsonl", "w") as f:
    for r in rows + [rows[4]]:
        f.write(json.dumps(r) + "\n")
with open(f"{d}/rm_bad.jsonl", "w") as f:
    f.write(json.dumps(rows[0]) + "\n" + '{"question": 0, "sample": 1, "score": }\n')
with open(f"{d}/long_prompt.jsonl", "w") as f:
    f.write(json.dumps({"id": "short", "prompt": "Once upon a time"}) + "\n")
    f.write(json.dumps({"id": "long", "prompt": "Once upon a time there was a cat. " * 120}) + "\n")
with open(f"{d}/near_limit.jsonl", "w") as f:
    f.write(json.dumps({"id": "near", "prompt": "Once upon a time there was a cat. " * 50}) + "\n")
with open(f"{d}/huge_prompt.jsonl", "w") as f:
    f.write(json.dumps({"id": "huge", "prompt": "Once upon a time. " * 600000}) + "\n")
with open(f"{d}/bad_prompts.jsonl", "w") as f:
    f.write(json.dumps({"id": "a", "prompt": "Once"}) + "\n" + "{not json\n")
PY
expect_failure "rm scores with a duplicate (question, sample)" "rm_dup.jsonl:37: a second score for question 1, sample 1 (the first is on line 5)" "${NP2[@]}" filter \
  --filter.candidates "$WORK/c.h5" --filter.rm_scores "$WORK/rm_dup.jsonl" --filter.output "$WORK/bad.h5" --strategy rm --k 50
expect_failure "malformed rm scores line" "rm_bad.jsonl:2" "${NP2[@]}" filter \
  --filter.candidates "$WORK/c.h5" --filter.rm_scores "$WORK/rm_bad.jsonl" --filter.output "$WORK/bad.h5" --strategy rm --k 50
expect_failure "malformed prompts line" "bad_prompts.jsonl:2" "${NP2[@]}" decode --decode.prompts "$WORK/bad_prompts.jsonl" \
  "${MP[@]}" --decode.output "$WORK/bad.h5"
expect_failure "a prompt longer than max_position_embeddings" "long_prompt.jsonl:2 (prompt long) has 1202 tokens, but the model reads at most 512" \
  "${NP2[@]}" decode --decode.prompts "$WORK/long_prompt.jsonl" "${MP[@]}" --decode.output "$WORK/bad.h5"
expect_failure "a 10 MB prompt is refused by name, fast" "huge_prompt.jsonl:1 (prompt huge) has" \
  "${NP2[@]}" decode --decode.prompts "$WORK/huge_prompt.jsonl" "${MP[@]}" --decode.output "$WORK/bad.h5"
check "a generation that reaches max_position_embeddings ends there, with a warning" bash -c \
  "mpirun -np 2 '$IWSI' decode --decode.prompts '$WORK/near_limit.jsonl' --model.path '$MODEL' --runtime.threads 1 \
     --ignore_eos --max_new_tokens 400 --decode.output '$WORK/near.h5' 2>&1 | grep -q 'max_position_embeddings'"
check "  ... and the row stops at the position limit" "$PY" - "$WORK/near.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
prompt = f["questions/prompt_ids/offsets"][1]
assert prompt + f["candidates/length"][0] == 512, (prompt, f["candidates/length"][0])
PY
printf '{"question": "1+1?", "answer": "#### 2"}\n{"question": "2+2?" "answer": "#### 4"}\n' >"$WORK/data/gsm8k/test.jsonl"
expect_failure "malformed dataset line" "test.jsonl:2" "${NP2[@]}" eval "${E[@]}" --eval.output "$WORK/bad.h5"
cp "$SHARED/data/gsm8k/test.jsonl" "$WORK/data/gsm8k/test.jsonl"

# --- Options and INI files.
ini_case() {  # ini_case WHAT INI-TEXT EXPECTED JOB: JOB (eval or generate) with an INI file of INI-TEXT
  printf "$2" >"$WORK/case.ini"
  expect_failure "$1" "$WORK/case.ini:$3" "${NP2[@]}" "$4" --config "$WORK/case.ini" "${MP[@]}" --"$4".output "$WORK/bad.h5"
}
ini_case "an INI line without =" '[data]\nname = gsm8k\n\nthis line has no equals sign\n' \
  "4: expected 'key = value', found: this line has no equals sign" eval
ini_case "an INI value of the wrong type" '[data]\nname = gsm8k\n[sampling]\nm = many\n' \
  "4: the argument ('many') for option 'sampling.m' is invalid" generate
ini_case "an INI key given twice" '[data]\nname = gsm8k\nname = svamp\n' \
  "3: option 'data.name' is given more than once (first at line 2)" eval
ini_case "an unknown INI option" '[dta]\nname = gsm8k\n' "2: unknown option 'dta.name'" eval
expect_failure "an unknown command-line option" "--eval.outptu" "${NP2[@]}" eval "${E[@]}" --eval.outptu "$WORK/bad.h5"
expect_failure "threads -2" "option --runtime.threads=-2 must be 0 (automatic) or a positive count" "${NP2[@]}" eval \
  "${DATA[@]}" --model.path "$MODEL" --data.test_size 4 --runtime.threads -2 --eval.output "$WORK/bad.h5"
expect_failure "k = 0" "option --filter.k=0 is outside (0, 100]" "${NP2[@]}" filter --filter.candidates "$WORK/c.h5" \
  --filter.weights "$WORK/w.h5" --filter.output "$WORK/bad.h5" --strategy iwsi --k 0
expect_failure "k = 100.5" "is outside (0, 100]" "${NP2[@]}" filter --filter.candidates "$WORK/c.h5" \
  --filter.weights "$WORK/w.h5" --filter.output "$WORK/bad.h5" --strategy iwsi --k 100.5
expect_failure "an empty valid set" "the valid set is empty" "${NP2[@]}" weigh "${W0[@]}" --data.valid_size 0 \
  --weigh.output "$WORK/bad.h5"
expect_failure "stall_timeout below 0" "runtime.stall_timeout" "${NP2[@]}" eval "${E[@]}" --runtime.stall_timeout -1 \
  --eval.output "$WORK/bad.h5"
# A command-line list replaces the INI's list instead of adding to it.
printf '[sampling]\nstop = Q:\nstop = zzz\n' >"$WORK/stops.ini"
check "a command-line --sampling.stop replaces the INI's stops" bash -c "mpirun -np 1 '$IWSI' generate --config '$WORK/stops.ini' \
  ${G[*]} --sampling.stop '.' --generate.output '$WORK/stops.h5' >/dev/null 2>&1 && '$PY' - '$WORK/stops.h5' <<'PY'
import sys, h5py
config = h5py.File(sys.argv[1], 'r').attrs['config']
lines = [l.strip() for l in config.splitlines() if l.strip().startswith('stop')]
assert lines == ['stop = .'], lines
PY"

# --- Signals and a stalled rank: every job stops within seconds, with exit 75 on a signal.
ranks_of() {  # ranks_of PATTERN: the pids of the iwsi ranks (not mpirun) whose command line holds PATTERN
  local p
  for p in $(pgrep -f -- "$1"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = iwsi ] && echo "$p"; done
}
# Under way: the job holds its output's lock and has loaded the model (rank 0 logs it), so its
# work (seconds on any CPU, by the sizes chosen) has begun.
wait_under_way() {  # wait_under_way OUTPUT LOG
  for _ in $(seq 400); do [ -e "$1.lock" ] && grep -q "model .* on cpu" "$2" && return; sleep 0.05; done
}
# Slurm signals the ranks themselves (a time limit, scancel, --signal); so does this test. The job
# runs under `timeout -s KILL`: one that ignores the signal fails (exit 137), not hangs. (No guard
# subshell: a subshell killed before it resets its traps runs the EXIT trap, rm -rf $WORK.)
signal_case() {  # signal_case JOB SIGNAL OUTPUT ARGS...: signal both ranks once the job is under way
  local job=$1 sig=$2 out=$3; shift 3
  timeout -s KILL 60 mpirun -np 2 "$IWSI" "$job" "$@" >"$WORK/sig.log" 2>&1 &
  local pid=$! rc
  wait_under_way "$out" "$WORK/sig.log"
  sleep 0.2
  kill -"$sig" $(ranks_of "$out")
  local t0=$SECONDS
  wait $pid; rc=$?
  pkill -9 -f -- "$out"  # ranks left by a killed mpirun, if any
  if [ $rc -ne 75 ]; then bad "$job on SIG$sig: exit $rc, not 75"; tail -n 5 "$WORK/sig.log"; return; fi
  if [ -e "$out" ]; then bad "$job on SIG$sig: left $out"; return; fi
  if ! grep -q "stopped by signal\|stopping" "$WORK/sig.log"; then bad "$job on SIG$sig: no message"; tail -n 5 "$WORK/sig.log"; return; fi
  ok "$job on SIG$sig: exit 75 after $((SECONDS - t0)) s, no output"
}
signal_case weigh TERM "$WORK/sig_w.h5" "${BIG_W[@]}" --weigh.output "$WORK/sig_w.h5"
signal_case judge TERM "$WORK/sig_j.h5" --judge.candidates "$WORK/big.h5" "${MP[@]}" --judge.chunk_size 1 --judge.output "$WORK/sig_j.h5"
signal_case eval TERM "$WORK/sig_e.h5" "${E0[@]}" "${LONG[@]}" --data.test_size 400 --eval.max_new_tokens 200 --eval.output "$WORK/sig_e.h5"
signal_case decode USR1 "$WORK/sig_d.h5" --decode.prompts "$WORK/long_prompt.jsonl" "${MP[@]}" --ignore_eos \
  --model.max_positions 100000 --max_new_tokens 20000 --decode.output "$WORK/sig_d.h5"
signal_case generate TERM "$WORK/sig_g.h5" "${G0[@]}" "${LONG[@]}" --data.pool_size 400 --max_new_tokens 100 --chunk_size 1 \
  --generate.output "$WORK/sig_g.h5"
check "  ... generate kept its finished chunks for the restart" test -d "$WORK/sig_g.h5.chunks"
# SIGSTOP one rank: the other waits in a collective; the watchdog ends the job with a message.
timeout -s KILL 40 mpirun -np 2 "$IWSI" weigh "${BIG_W[@]}" --runtime.stall_timeout 3 --weigh.output "$WORK/stall.h5" \
  >"$WORK/stall.log" 2>&1 &
pid=$!
# Stopped as soon as the ranks exist (the lock appears): the other rank then waits in the job's
# first collective, so the stall shows after stall_timeout whatever the workload.
for _ in $(seq 400); do [ -e "$WORK/stall.h5.lock" ] && break; sleep 0.05; done
stopped=$(ranks_of "--weigh.output $WORK/stall.h5" | tail -n 1)
kill -STOP "$stopped"
t0=$SECONDS
wait $pid; rc=$?
kill -CONT "$stopped" 2>/dev/null; pkill -9 -f -- "--weigh.output $WORK/stall.h5"
if [ $rc -ne 0 ] && grep -q "no progress for" "$WORK/stall.log" && [ $((SECONDS - t0)) -lt 30 ]; then
  ok "a SIGSTOPped rank: the job ends after $((SECONDS - t0)) s naming the stall (exit $rc)"
else
  bad "a SIGSTOPped rank: exit $rc after $((SECONDS - t0)) s"; tail -n 5 "$WORK/stall.log"
fi

# --- A full disk: the error names the file and says the disk is full.
if mkdir -p "$WORK/small" && mount -t tmpfs -o size=256k tmpfs "$WORK/small" 2>/dev/null; then
  trap 'umount "$WORK/small" 2>/dev/null; rm -rf "$WORK"' EXIT
  head -c 300000 /dev/zero >"$WORK/small/filler" 2>/dev/null  # fills it: ENOSPC
  expect_failure "a full disk names the file and says so" "is full" \
    "${NP2[@]}" weigh "${W[@]}" --weigh.output "$WORK/small/w.h5"
  check "  ... and leaves no finished-looking file" test ! -e "$WORK/small/w.h5"
  umount "$WORK/small"
else
  # Without the right to mount (an unprivileged CI container), /dev/full fails every write with ENOSPC.
  expect_failure "a full disk names the file and says so" "No space left" bash -c \
    "'$IWSI' weigh ${W[*]} --weigh.output '$WORK/full.h5' >/dev/full"
fi

check "no failed case left a finished-looking output" test ! -e "$WORK/bad.h5" -a ! -e "$WORK/bad_train/train.h5"
finish
