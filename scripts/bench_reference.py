#!/usr/bin/python3
"""The Python reference for `iwsi bench`: a plain eager, Hugging Face-style greedy generate loop in
PyTorch (Debian's python3-torch; no transformers), to put the C++ engine's tokens/s in context.

Same settings as `iwsi bench`: stories260K from its safetensors (header parsed here with json,
tensors via torch.frombuffer) and a random Llama of the demo's size, batch 1 and 64, prompts of 32
tokens (the same ids), 128 new tokens, greedy with no early stop, a warm-up run, best of N timed
runs. The forward follows HF's LlamaForCausalLM eager path: RMSNorm in float32, rotate_half RoPE,
repeat_kv, additive causal/padding mask built from a 2D attention mask every step, a KV cache grown
with torch.cat (DynamicCache), logits of the last position only.

    /usr/bin/python3 scripts/bench_reference.py --threads 1 [--model DIR] [--batches 1,64]
"""
import argparse
import json
import math
import os
import struct
import time

try:
    import torch
except ImportError:
    raise SystemExit("bench_reference.py needs PyTorch for /usr/bin/python3: apt-get install python3-torch "
                     "(not installed by scripts/setup.sh; only this reference uses it)")

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def load_safetensors(path):
    """name -> tensor, from the 8-byte header length, the JSON header and the raw little-endian data."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).to(torch.float32)
    return tensors


class Config:
    def __init__(self, d):
        self.vocab = d["vocab_size"]
        self.hidden = d["hidden_size"]
        self.inter = d["intermediate_size"]
        self.layers = d["num_hidden_layers"]
        self.heads = d["num_attention_heads"]
        self.kv_heads = d.get("num_key_value_heads", self.heads)
        self.head_dim = d.get("head_dim", self.hidden // self.heads)
        self.eps = d.get("rms_norm_eps", 1e-6)
        self.theta = d.get("rope_theta", 10000.0)
        self.tied = d.get("tie_word_embeddings", False)


def load_model(model_dir):
    cfg = Config(json.load(open(os.path.join(model_dir, "config.json"))))
    w = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    if "lm_head.weight" not in w:
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    return cfg, w


def random_model(cfg, seed=0):
    """Random weights of the right shapes: the benchmark measures speed only."""
    g = torch.Generator().manual_seed(seed)
    C, I, D = cfg.hidden, cfg.inter, cfg.head_dim
    def rnd(*shape, std=0.02):
        return torch.randn(*shape, generator=g) * std
    w = {"model.embed_tokens.weight": rnd(cfg.vocab, C, std=1.0), "model.norm.weight": torch.ones(C)}
    for l in range(cfg.layers):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = torch.ones(C)
        w[p + "post_attention_layernorm.weight"] = torch.ones(C)
        w[p + "self_attn.q_proj.weight"] = rnd(cfg.heads * D, C)
        w[p + "self_attn.k_proj.weight"] = rnd(cfg.kv_heads * D, C)
        w[p + "self_attn.v_proj.weight"] = rnd(cfg.kv_heads * D, C)
        w[p + "self_attn.o_proj.weight"] = rnd(C, cfg.heads * D)
        w[p + "mlp.gate_proj.weight"] = rnd(I, C)
        w[p + "mlp.up_proj.weight"] = rnd(I, C)
        w[p + "mlp.down_proj.weight"] = rnd(C, I)
    w["lm_head.weight"] = w["model.embed_tokens.weight"] if cfg.tied else rnd(cfg.vocab, C)
    return cfg, w


def rms_norm(x, weight, eps):
    dtype = x.dtype
    x = x.to(torch.float32)
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return weight * x.to(dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(cfg, position_ids):
    inv_freq = 1.0 / (cfg.theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.int64).float() / cfg.head_dim))
    freqs = position_ids[:, :, None].float() * inv_freq[None, None, :]  # (B, T, D/2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()  # (B, T, D)


def repeat_kv(x, n):
    if n == 1:
        return x
    B, H, T, D = x.shape
    return x[:, :, None, :, :].expand(B, H, n, T, D).reshape(B, H * n, T, D)


def forward(cfg, w, ids, position_ids, attention_mask, cache):
    """ids, position_ids: (B, T); attention_mask: (B, past + T) of 0/1; cache: list of (k, v) or Nones.
    Returns the last position's logits (B, V) and updates the cache (torch.cat, as DynamicCache)."""
    B, T = ids.shape
    H, Hkv, D = cfg.heads, cfg.kv_heads, cfg.head_dim
    past = 0 if cache[0] is None else cache[0][0].shape[2]
    Tk = past + T
    # HF _prepare_4d_causal_attention_mask: causal + padding, additive, (B, 1, T, Tk)
    causal = torch.full((T, Tk), torch.finfo(torch.float32).min)
    causal = torch.triu(causal, diagonal=past + 1)
    mask = causal[None, None, :, :].expand(B, 1, T, Tk).clone()
    mask = mask.masked_fill(attention_mask[:, None, None, :] == 0, torch.finfo(torch.float32).min)
    cos, sin = rope_cos_sin(cfg, position_ids)
    cos, sin = cos[:, None], sin[:, None]  # (B, 1, T, D)
    h = torch.nn.functional.embedding(ids, w["model.embed_tokens.weight"])
    for l in range(cfg.layers):
        p = f"model.layers.{l}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], cfg.eps)
        q = torch.nn.functional.linear(x, w[p + "self_attn.q_proj.weight"]).view(B, T, H, D).transpose(1, 2)
        k = torch.nn.functional.linear(x, w[p + "self_attn.k_proj.weight"]).view(B, T, Hkv, D).transpose(1, 2)
        v = torch.nn.functional.linear(x, w[p + "self_attn.v_proj.weight"]).view(B, T, Hkv, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache[l] is not None:
            k = torch.cat([cache[l][0], k], dim=2)
            v = torch.cat([cache[l][1], v], dim=2)
        cache[l] = (k, v)
        k, v = repeat_kv(k, H // Hkv), repeat_kv(v, H // Hkv)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(D) + mask
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        att = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, H * D)
        h = h + torch.nn.functional.linear(att, w[p + "self_attn.o_proj.weight"])
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], cfg.eps)
        gate = torch.nn.functional.linear(x, w[p + "mlp.gate_proj.weight"])
        up = torch.nn.functional.linear(x, w[p + "mlp.up_proj.weight"])
        h = h + torch.nn.functional.linear(torch.nn.functional.silu(gate) * up, w[p + "mlp.down_proj.weight"])
    h = rms_norm(h[:, -1:, :], w["model.norm.weight"], cfg.eps)
    return torch.nn.functional.linear(h, w["lm_head.weight"]).float()[:, -1, :]


def benchmark_prompts(batch, prompt_tokens, vocab):
    """The same ids as `iwsi bench` (src/sample/benchmark.cc): BOS then a fixed pseudo-random walk."""
    rows = []
    for b in range(batch):
        row = [1]
        for t in range(1, prompt_tokens):
            row.append(3 + (b * 7919 + t * 104729 + b * t * 31) % (vocab - 3))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.long)


def generate(cfg, w, ids, new_tokens):
    """Greedy, no early stop; returns (prefill seconds, decode seconds)."""
    B, P = ids.shape
    cache = [None] * cfg.layers
    attention_mask = torch.ones(B, P, dtype=torch.long)
    position_ids = torch.arange(P).unsqueeze(0).expand(B, P)
    start = time.perf_counter()
    logits = forward(cfg, w, ids, position_ids, attention_mask, cache)
    token = logits.argmax(-1, keepdim=True)  # (B, 1)
    generated = [token]
    prefill_done = time.perf_counter()
    for step in range(1, new_tokens):
        attention_mask = torch.cat([attention_mask, torch.ones(B, 1, dtype=torch.long)], dim=1)
        position_ids = torch.full((B, 1), P + step - 1, dtype=torch.long)
        logits = forward(cfg, w, token, position_ids, attention_mask, cache)
        token = logits.argmax(-1, keepdim=True)
        generated.append(token)
    end = time.perf_counter()
    return prefill_done - start, end - prefill_done


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(os.environ.get("IWSI_SHARED_DIR", "../shared"), "models/stories260K"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--prompt_tokens", type=int, default=32)
    ap.add_argument("--new_tokens", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    demo = Config({"vocab_size": 160, "hidden_size": 128, "intermediate_size": 344, "num_hidden_layers": 2,
                   "num_attention_heads": 4, "num_key_value_heads": 4, "rms_norm_eps": 1e-5,
                   "tie_word_embeddings": False})
    models = [("stories260K", *load_model(args.model)), ("random-demo", *random_model(demo))]
    print(f"python reference (torch {torch.__version__}, eager, {args.threads} thread(s)), prompt {args.prompt_tokens}, "
          f"{args.new_tokens} new tokens, greedy, best of {args.repeats}")
    print(f"{'model':<13}{'batch':>6}{'prefill tok/s':>15}{'decode tok/s':>14}{'ms/step':>10}{'peak RSS MB':>13}{'KV MB':>9}")
    for name, cfg, w in models:
        for batch in [int(b) for b in args.batches.split(",")]:
            ids = benchmark_prompts(batch, args.prompt_tokens, cfg.vocab)
            generate(cfg, w, ids, args.new_tokens)  # warm-up
            reset_peak_rss()
            best_pre, best_dec = float("inf"), float("inf")
            for _ in range(args.repeats):
                pre, dec = generate(cfg, w, ids, args.new_tokens)
                best_pre, best_dec = min(best_pre, pre), min(best_dec, dec)
            steps = args.new_tokens - 1
            kv_mb = 2 * cfg.layers * batch * cfg.kv_heads * (args.prompt_tokens + steps) * cfg.head_dim * 4 / 2**20
            print(f"{name:<13}{batch:>6}{batch * args.prompt_tokens / best_pre:>15.0f}{batch * steps / best_dec:>14.0f}"
                  f"{1000 * best_dec / steps:>10.3f}{peak_rss_mb():>13.1f}{kv_mb:>9.2f}")


if __name__ == "__main__":
    main()
