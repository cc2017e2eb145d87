# `iwsi generate` end to end on a GSM8K slice with stories260K: the candidate file is bit-identical
# for 1, 2 and 3 ranks, for 1 and 2 threads (float32 CPU inference is batch- and thread-invariant,
# src/model/invariant_linear.h) and after a kill -9 mid-run and a restart; bad inputs fail clearly.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K
SETTINGS=(--data.pool_size 30 --data.valid_size 4 --data.exemplars 1 --sampling.m 3 --temperature 1.0 --top_k 50
          --max_new_tokens 40 --seed 7 --chunk_size 2 --runtime.threads 1
          --model.max_positions 1024)  # an exemplar + a GSM8K question: up to ~560 of the 512 trained positions
ARGS=(--data.name gsm8k --data.dir "$SHARED/data" --model.path "$MODEL" "${SETTINGS[@]}")

for np_ in 1 2 3; do
  check "generate on $np_ rank(s)" mpirun -np $np_ "$IWSI" generate "${ARGS[@]}" --generate.output "$WORK/g$np_.h5"
done
check "1 and 2 ranks give bit-identical data" "$PY" tests/jobs/same_data.py "$WORK/g1.h5" "$WORK/g2.h5" questions candidates
check "1 and 3 ranks give bit-identical data" "$PY" tests/jobs/same_data.py "$WORK/g1.h5" "$WORK/g3.h5" questions candidates
TWO_THREADS=()
for a in "${ARGS[@]}"; do [ "${TWO_THREADS[-1]:-}" = --runtime.threads ] && a=2; TWO_THREADS+=("$a"); done
check "generate on 1 rank with 2 threads" mpirun -np 1 "$IWSI" generate "${TWO_THREADS[@]}" --generate.output "$WORK/g1t2.h5"
check "1 and 2 threads give bit-identical data" "$PY" tests/jobs/same_data.py "$WORK/g1.h5" "$WORK/g1t2.h5" questions candidates
check "every question and sample is there, votes are consistent" "$PY" - "$WORK/g2.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
q, c = f["questions"], f["candidates"]
assert list(q["question_index"][:]) == list(range(30))
assert list(c["question_index"][:]) == [i for i in range(30) for _ in range(3)]
assert list(c["sample_index"][:]) == [0, 1, 2] * 30
cons, parsed = c["consistent"][:], c["parsed"][:]
assert np.all(cons <= parsed)
for i in range(30):
    assert cons[3 * i:3 * i + 3].sum() == q["majority_count"][i]
assert sorted(f["chunks/chunk"][:]) == list(range(15))
assert f.attrs["dataset"] == "gsm8k" and f.attrs["few_shot_prefix"].startswith("Q: ")
PY
check "the chunk directory is removed after success" test ! -e "$WORK/g1.h5.chunks"

# Kill every rank with SIGKILL mid-run, then run again: finished chunks are reused.
setsid mpirun -np 2 "$IWSI" generate "${ARGS[@]}" --generate.output "$WORK/killed.h5" >"$WORK/killed.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [ "$(ls "$WORK/killed.h5.chunks" 2>/dev/null | grep -c '^chunk-.*h5$')" -ge 3 ] && break
  sleep 0.1
done
# Open MPI starts the ranks in sessions of their own: kill them by name (as a node crash would),
# then mpirun, and wait until no rank is left.
pkill -9 -f -- "--generate.output $WORK/killed.h5"; kill -9 -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
for _ in $(seq 50); do pgrep -f -- "--generate.output $WORK/killed.h5" >/dev/null || break; sleep 0.1; done
done_before=$(ls "$WORK/killed.h5.chunks" | grep -c '^chunk-.*h5$')
check "killed mid-run ($done_before of 15 chunks done), no final file" test ! -e "$WORK/killed.h5" -a "$done_before" -lt 15
expect_failure "resuming with other numerics is refused" "holds chunks computed with other numerics" \
  mpirun -np 2 "$IWSI" generate "${ARGS[@]}" --runtime.numerics native --generate.output "$WORK/killed.h5"
check "the refused resume left the finished chunks alone" \
  test "$(ls "$WORK/killed.h5.chunks" | grep -c '^chunk-.*h5$')" -eq "$done_before" -a ! -e "$WORK/killed.h5"
check "restart on 3 ranks" bash -c "mpirun -np 3 '$IWSI' generate ${ARGS[*]} --generate.output '$WORK/killed.h5' >'$WORK/resume.log' 2>&1"
check "the restart resumed finished chunks" grep -q "resumed [1-9][0-9]* chunks" "$WORK/resume.log"
check "the resumed file equals the uninterrupted one" "$PY" tests/jobs/same_data.py "$WORK/g1.h5" "$WORK/killed.h5" questions candidates

mkdir -p "$WORK/other"
expect_failure "a work dir of other settings is refused" "holds chunks of a run with other settings" bash -c \
  "mkdir -p '$WORK/o.h5.chunks' && echo other > '$WORK/o.h5.chunks/fingerprint' && mpirun -np 2 '$IWSI' generate ${ARGS[*]} --generate.output '$WORK/o.h5'"
expect_failure "unknown dataset" "option --data.name=gsm9k is not a known dataset" "$IWSI" generate "${SETTINGS[@]}" \
  --data.name gsm9k --model.path "$MODEL" --generate.output "$WORK/x.h5"
expect_failure "missing data file names the path" "$WORK/other/gsm8k" mpirun -np 2 "$IWSI" generate "${SETTINGS[@]}" \
  --data.name gsm8k --data.dir "$WORK/other" --model.path "$MODEL" --generate.output "$WORK/x.h5"
# A model whose tokenizer has more tokens than the model has embeddings.
mkdir -p "$WORK/mismatch" && cp "$MODEL"/{config.json,model.safetensors,generation_config.json} "$WORK/mismatch/"
"$PY" -c "
import json
vocab = {f'w{i}': i for i in range(600)}; vocab['[UNK]'] = 600
json.dump({'version': '1.0', 'added_tokens': [], 'normalizer': None, 'pre_tokenizer': {'type': 'WhitespaceSplit'},
           'post_processor': None, 'decoder': None, 'model': {'type': 'WordLevel', 'vocab': vocab, 'unk_token': '[UNK]'}},
          open('$WORK/mismatch/tokenizer.json', 'w'))"
expect_failure "tokenizer/model vocabulary mismatch" "tokenizer of another model" mpirun -np 2 "$IWSI" generate "${SETTINGS[@]}" \
  --data.name gsm8k --data.dir "$SHARED/data" --model.path "$WORK/mismatch" --generate.output "$WORK/x.h5"
check "no output file is left by the failures" test ! -e "$WORK/x.h5"
finish
