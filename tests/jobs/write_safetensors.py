"""Writes small safetensors files for the job tests, with numpy only (no torch, no safetensors package).
usage:
  write_safetensors.py model CONFIG.json OUT.safetensors SEED
      random weights (normal, std 0.02; norms 1) for a tied LlamaForCausalLM config, HF names
  write_safetensors.py lora BASE_CONFIG.json ADAPTER_DIR R ALPHA B_STD SEED
      a PEFT LoRA adapter on q_proj and v_proj: A ~ normal(0, 0.1), B ~ normal(0, B_STD) (0 = zeros)
"""
import json
import os
import struct
import sys

import numpy as np


def save(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def dims(config):
    c = json.load(open(config))
    head_dim = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    return c, head_dim


def model(config, out, seed):
    c, head_dim = dims(config)
    rng = np.random.default_rng(int(seed))
    hidden, inter = c["hidden_size"], c["intermediate_size"]
    q_out, kv_out = c["num_attention_heads"] * head_dim, c["num_key_value_heads"] * head_dim
    normal = lambda *shape: rng.normal(0, 0.02, size=shape)
    t = {"model.embed_tokens.weight": normal(c["vocab_size"], hidden)}
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        t[p + "input_layernorm.weight"] = np.ones(hidden)
        t[p + "post_attention_layernorm.weight"] = np.ones(hidden)
        t[p + "self_attn.q_proj.weight"] = normal(q_out, hidden)
        t[p + "self_attn.k_proj.weight"] = normal(kv_out, hidden)
        t[p + "self_attn.v_proj.weight"] = normal(kv_out, hidden)
        t[p + "self_attn.o_proj.weight"] = normal(hidden, q_out)
        t[p + "mlp.gate_proj.weight"] = normal(inter, hidden)
        t[p + "mlp.up_proj.weight"] = normal(inter, hidden)
        t[p + "mlp.down_proj.weight"] = normal(hidden, inter)
    t["model.norm.weight"] = np.ones(hidden)
    assert c.get("tie_word_embeddings"), "only tied models here"
    save(out, t)


def lora(config, adapter_dir, r, alpha, b_std, seed):
    c, head_dim = dims(config)
    r, b_std = int(r), float(b_std)
    rng = np.random.default_rng(int(seed))
    hidden = c["hidden_size"]
    outs = {"q_proj": c["num_attention_heads"] * head_dim, "v_proj": c["num_key_value_heads"] * head_dim}
    t = {}
    for layer in range(c["num_hidden_layers"]):
        for module, out in outs.items():
            p = f"base_model.model.model.layers.{layer}.self_attn.{module}."
            t[p + "lora_A.weight"] = rng.normal(0, 0.1, size=(r, hidden))
            t[p + "lora_B.weight"] = rng.normal(0, b_std, size=(out, r)) if b_std > 0 else np.zeros((out, r))
    os.makedirs(adapter_dir, exist_ok=True)
    save(os.path.join(adapter_dir, "adapter_model.safetensors"), t)
    json.dump({"peft_type": "LORA", "r": r, "lora_alpha": float(alpha), "lora_dropout": 0.0, "bias": "none",
               "target_modules": list(outs), "task_type": "CAUSAL_LM"},
              open(os.path.join(adapter_dir, "adapter_config.json"), "w"))


if __name__ == "__main__":
    {"model": model, "lora": lora}[sys.argv[1]](*sys.argv[2:])
