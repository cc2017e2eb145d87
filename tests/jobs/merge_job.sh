# `iwsi merge` end to end on stories260K: a PEFT LoRA adapter written by an independent numpy writer
# (PEFT's names and layout) is merged on 2 ranks; the merged weights equal W + alpha/r * B @ A
# (numpy float64 reference), every other tensor is unchanged, the tokenizer files are copied and the
# result loads in another job. A rerun replaces the output; wrong adapters and outputs fail by name.
source "$(dirname "$0")/lib.bash"
MODEL=$SHARED/models/stories260K

# adapter.py BASE_DIR OUT_DIR HIDDEN_SCALE: q_proj, v_proj, down_proj, r = 4, alpha = 8. HIDDEN_SCALE 2
# makes the adapter of a model twice as wide (wrong shapes for this base).
cat >"$WORK/adapter.py" <<'PY'
import json, os, struct, sys
import numpy as np
base, out, widen = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = json.load(open(os.path.join(base, "config.json")))
C, I, D = c["hidden_size"] * widen, c["intermediate_size"], c["head_dim"]
shapes = {"self_attn.q_proj": (c["num_attention_heads"] * D, C), "self_attn.v_proj": (c["num_key_value_heads"] * D, C),
          "mlp.down_proj": (C, I)}  # (out, in)
rng, r, tensors = np.random.default_rng(5), 4, {}
for layer in range(c["num_hidden_layers"]):
    for module, (o, i) in shapes.items():
        p = f"base_model.model.model.layers.{layer}.{module}."
        tensors[p + "lora_A.weight"] = rng.uniform(-1, 1, size=(r, i)) / np.sqrt(i)
        tensors[p + "lora_B.weight"] = rng.normal(0, 0.05, size=(o, r))
header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
for name, a in tensors.items():
    data = np.ascontiguousarray(a, dtype="<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "adapter_model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": 8, "lora_dropout": 0.05,
           "target_modules": ["q_proj", "v_proj", "down_proj"], "bias": "none", "fan_in_fan_out": False,
           "base_model_name_or_path": base, "inference_mode": True},
          open(os.path.join(out, "adapter_config.json"), "w"))
PY
"$PY" "$WORK/adapter.py" "$MODEL" "$WORK/adapter" 1
"$PY" "$WORK/adapter.py" "$MODEL" "$WORK/wide_adapter" 2

check "merge on 2 ranks" mpirun -np 2 "$IWSI" merge --merge.base "$MODEL" --merge.adapter "$WORK/adapter" \
  --merge.output "$WORK/merged"
cat >"$WORK/verify.py" <<'PY'
import json, os, struct, sys
import numpy as np
base, adapter, merged = sys.argv[1:4]
def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header, data = json.loads(f.read(n)), f.read()
    header.pop("__metadata__", None)
    kinds = {"F32": "<f4", "F64": "<f8"}
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], kinds[v["dtype"]]).reshape(v["shape"]).astype(np.float64)
            for k, v in header.items()}
W, L, M = read(f"{base}/model.safetensors"), read(f"{adapter}/adapter_model.safetensors"), read(f"{merged}/model.safetensors")
assert sorted(M) == sorted(W), "merged tensor names differ from the base's"
scale, merged_count, worst = 8 / 4, 0, 0.0
for name, w in W.items():
    a = L.get("base_model.model." + name.replace(".weight", ".lora_A.weight"))
    if a is None:
        assert np.array_equal(M[name], w), f"{name} changed but has no adapter"
        continue
    b = L["base_model.model." + name.replace(".weight", ".lora_B.weight")]
    want = w + scale * b @ a
    assert not np.allclose(want, w, atol=1e-3), name  # the adapter really moves this weight
    # float32: B A (r = 4 terms) within gamma(4) of |B| |A|, times the scale (a power of 2: exact), the
    # sum with W and its rounding to float32 within u of the result
    u = 2.0 ** -24
    bound = u * np.abs(want) + 2 * (4 * u / (1 - 4 * u)) * scale * (np.abs(b) @ np.abs(a)) + u * scale * np.abs(b @ a)
    worst = max(worst, (np.abs(M[name] - want) / bound).max())
    merged_count += 1
assert merged_count == 15, merged_count  # 5 layers x (q, v, down)
assert worst <= 1, worst
for f in ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]:
    assert open(f"{base}/{f}", "rb").read() == open(f"{merged}/{f}", "rb").read(), f
config = json.load(open(f"{merged}/config.json"))
assert config["torch_dtype"] == "float32" and config["hidden_size"] == 64 and config["tie_word_embeddings"], config
provenance = json.load(open(f"{merged}/iwsi_provenance.json"))
assert provenance["job"] == "iwsi merge" and provenance["mpi_ranks"] == 2, provenance
assert any(i["path"].endswith("adapter_model.safetensors") for i in provenance["inputs"]), provenance["inputs"]
print(f"15 adapted weights equal W + 2 B A within {worst:.2g} of their float32 bound; the rest and the tokenizer files are identical")
PY
check "merged weights = W + alpha/r B A (numpy), the rest unchanged, tokenizer files copied" \
  "$PY" "$WORK/verify.py" "$MODEL" "$WORK/adapter" "$WORK/merged"
check "no temp directory left" test ! -e "$WORK/merged.tmp" -a ! -e "$WORK/merged.old"
echo '{"id": 1, "prompt": "Once upon a time"}' >"$WORK/prompt.jsonl"
check "the merged model loads and decodes (iwsi decode)" "$IWSI" decode --decode.prompts "$WORK/prompt.jsonl" \
  --decode.output "$WORK/decoded.h5" --model.path "$WORK/merged" --temperature 0 --max_new_tokens 8
check "a rerun replaces the previous output" "$IWSI" merge --merge.base "$MODEL" --merge.adapter "$WORK/adapter" \
  --merge.output "$WORK/merged" --merge.dtype bfloat16
check "... now in bfloat16" grep -q '"torch_dtype": "bfloat16"' "$WORK/merged/config.json"
# A base saved by transformers v5: "dtype" instead of "torch_dtype", RoPE in "rope_parameters".
mkdir -p "$WORK/v5_base" && cp "$MODEL"/* "$WORK/v5_base/"
"$PY" - "$WORK/v5_base/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("torch_dtype", None)
c["dtype"] = "bfloat16"
c["rope_parameters"] = {"rope_type": "default", "rope_theta": c.pop("rope_theta", 10000.0)}
c.pop("rope_scaling", None)
json.dump(c, open(sys.argv[1], "w"))
PY
check "a transformers-v5 bf16 base merges to bf16 by default (merge.dtype = base)" "$IWSI" merge \
  --merge.base "$WORK/v5_base" --merge.adapter "$WORK/adapter" --merge.output "$WORK/merged_v5"
check "... its config says bfloat16 and its weights are BF16" "$PY" -c "
import json, struct, sys
c = json.load(open('$WORK/merged_v5/config.json'))
assert c['torch_dtype'] == 'bfloat16', c
raw = open('$WORK/merged_v5/model.safetensors', 'rb').read()
header = json.loads(raw[8:8 + struct.unpack('<Q', raw[:8])[0]])
dtypes = {v['dtype'] for k, v in header.items() if k != '__metadata__'}
assert dtypes == {'BF16'}, dtypes
"

expect_failure "an adapter for another base names the tensor and shapes" \
  "tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [4, 128], expected [4, 64]" \
  mpirun -np 2 "$IWSI" merge --merge.base "$MODEL" --merge.adapter "$WORK/wide_adapter" --merge.output "$WORK/bad"
expect_failure "a missing adapter names the option and path" "--merge.adapter=$WORK/nowhere" \
  "$IWSI" merge --merge.base "$MODEL" --merge.adapter "$WORK/nowhere" --merge.output "$WORK/bad"
expect_failure "the base itself is never the output" "would replace the base" \
  "$IWSI" merge --merge.base "$MODEL" --merge.adapter "$WORK/adapter" --merge.output "$MODEL"
mkdir -p "$WORK/notes" && echo keep >"$WORK/notes/readme.txt"
expect_failure "a directory that is not a model is not replaced" "not a model directory" \
  "$IWSI" merge --merge.base "$MODEL" --merge.adapter "$WORK/adapter" --merge.output "$WORK/notes"
check "... and keeps its files" test -f "$WORK/notes/readme.txt"
check "failures leave no output" test ! -e "$WORK/bad" -a ! -e "$WORK/bad.tmp"
finish
