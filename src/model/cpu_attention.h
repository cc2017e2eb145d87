// Attention over a float32 KV cache on the CPU, as plain loops: one task per (batch row, KV head)
// forms the scores of its G query heads, a masked float32 softmax and the weighted sum of V. In
// decoder_layers() (llama.cc) it replaces libtorch's CPU matmuls for float32 inference: at decode
// sizes those are one tiny GEMM call per (row, KV head), ~1000 calls per step, and their rounding
// depends on the block's shape. Here a query's result depends only on its own keys: each query
// sums over the keys from the row's first valid one up to its causal limit, in one fixed order, so
// a prefill, a chunked prefill, decode steps and a left-padded batch give bitwise the same numbers.
// Deliberately not here: other dtypes or devices, autograd (training forms attention with matmul_forward,
// invariant_linear.h, which is differentiable and as batch-invariant).
#pragma once

#include "model/torch_api.h"

#include <cstdint>

namespace iwsi {

// True when cpu_attention() may replace the torch path for these tensors: inference (grad mode off),
// everything float32 on the CPU, unit stride over D.
bool cpu_attention_applies(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values);

// Attention of T new queries over Tk keys with HF Llama semantics:
//  q:            (B, H, T, D) float32, RoPE applied and already scaled by 1/sqrt(D); any strides
//                with unit stride over D
//  keys, values: (B, Hkv, Tk, D) float32 (views of the cache; same stride rule); H % Hkv == 0 and
//                query head h uses KV head h / (H / Hkv) (HF repeat_kv order)
//  key_valid:    (B, Tk) bool, false = padding key; undefined = all valid. Left padding (invalid keys
//                only before the first valid one) is what the invariance above assumes; other masks
//                are honoured but sum in cache order.
//  past:         cache index of the first query: query t attends key j iff j <= past + t and
//                key_valid[b][j]
// A query that may attend no key at all gets uniform weights over all Tk keys, as the torch path's
// finite additive mask gives (a padding query: no NaN reaches the cache).
// Returns (B, T, H * D) float32, the input of o_proj.
torch::Tensor cpu_attention(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                            const torch::Tensor& key_valid, int64_t past);

}  // namespace iwsi
