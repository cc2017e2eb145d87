// The decoder forward pass with HF Llama semantics, the KV cache, RoPE frequencies, random init.
// One forward handles prefill, chunked prefill and decode alike: new tokens attend causally to the
// cache plus the block, with an optional per-row key mask for left padding. Deliberately no
// sampling and no loss; plain torch ops that are the same in 1.13 and 2.x, except that in float32 on
// the CPU the projections and attention products go through our own loops (invariant_linear.h), in
// training too, and inference (grad mode off) also runs attention, SwiGLU and RoPE angles through
// them (cpu_attention.h, cpu_elementwise.h): a token's logits are then bitwise the same whether it is
// decoded step by step with the cache, recomputed in one prefill, or batched with padding, and
// training rounds alike on every CPU (runtime/numerics.h).
#include "model/llama.h"

#include <functional>
#include <tuple>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "model/cpu_attention.h"
#include "model/cpu_elementwise.h"
#include "model/invariant_linear.h"
#include "model/lora.h"

namespace iwsi {
namespace {

// The precision of norms, RoPE angles and softmax: float32 as in HF, or float64 for a float64 model
// (tests use float64 to check cache/padding logic far below float32 rounding noise).
torch::ScalarType accum_dtype(torch::ScalarType dtype) {
  return dtype == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

// HF LlamaRMSNorm: normalize in float32, cast back, then scale (weight in the compute dtype).
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  torch::Tensor xf = x.to(accum_dtype(x.scalar_type()));
  torch::Tensor normed = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * normed.to(x.scalar_type());
}

// x W^T + bias, plus the LoRA term scale * dropout(x) A^T B^T when the projection has an adapter.
// row_seeds: the model's lora_dropout_seeds (B), or undefined = no dropout (see lora_delta).
torch::Tensor linear(const torch::Tensor& x, const Linear& l, const torch::Tensor& row_seeds = {}) {
  torch::Tensor y = linear_forward(x, l.weight, l.bias);
  return l.lora ? y + lora_delta(x, *l.lora, row_seeds) : y;
}

// cos and sign-folded sin tables for HF's rotate_half convention, (B, T, 1, D) in the compute dtype:
// x*cos + rotate_half(x)*sin == x*cos + cat(x2, x1)*cat(-sin, sin), which saves the negation per layer.
struct RopeTables {
  torch::Tensor cos, sin_signed;
};

// `scale` multiplies both tables (1/sqrt(D) for queries: scaling q once is cheaper than scaling the
// (.., T, Tk) scores), applied before the cast so a bf16 model rounds only once.
RopeTables rope_tables(const Llama& model, const torch::Tensor& positions, torch::ScalarType dtype, double scale) {
  torch::ScalarType acc = accum_dtype(dtype);
  torch::Tensor freqs = positions.to(acc).unsqueeze(-1) * model.rope_inv_freq.to(acc);  // (B, T, D/2)
  torch::Tensor c, s;
  if (cpu_elementwise_applies(freqs))
    std::tie(c, s) = cos_sin(freqs);
  else
    c = freqs.cos(), s = freqs.sin();
  if (scale != 1.0) c = c * scale, s = s * scale;
  RopeTables r;
  r.cos = torch::cat({c, c}, -1).to(dtype).unsqueeze(2);          // (B, T, 1, D)
  r.sin_signed = torch::cat({-s, s}, -1).to(dtype).unsqueeze(2);  // (B, T, 1, D)
  return r;
}

torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& r) {  // x: (B, T, H, D)
  int64_t half = x.size(-1) / 2;
  torch::Tensor swapped = torch::cat({x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * r.cos + swapped * r.sin_signed;
}

// Additive float32 mask (B|1, 1, 1, T, Tk): 0 where query i (cache index past+i) may see key j
// (j <= past+i and key_valid), the lowest float elsewhere. Finite rather than -inf so a fully
// masked padding query gets a harmless uniform row instead of NaNs that would leak into the cache.
// Undefined when nothing is masked (a single new token and no padding).
torch::Tensor attention_mask(int64_t past, int64_t T, const torch::Tensor& key_valid, torch::Device device) {
  if (T == 1 && !key_valid.defined()) return {};
  int64_t Tk = past + T;
  auto opts = torch::TensorOptions().dtype(torch::kLong).device(device);
  torch::Tensor allowed = torch::arange(Tk, opts).unsqueeze(0) <= torch::arange(past, Tk, opts).unsqueeze(1);  // (T, Tk)
  allowed = key_valid.defined() ? allowed.unsqueeze(0).logical_and(key_valid.unsqueeze(1)) : allowed.unsqueeze(0);
  torch::Tensor mask = torch::zeros(allowed.sizes(), opts.dtype(torch::kFloat32))
                           .masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest());
  return mask.view({mask.size(0), 1, 1, T, Tk});
}

void check_inputs(const Llama& model, const torch::Tensor& ids, const torch::Tensor& positions,
                  const torch::Tensor& key_valid, const KVCache* cache) {
  IWSI_CHECK(ids.defined() && ids.dim() == 2 && ids.size(1) > 0, "forward: ids must be (B, T) with T > 0, got ",
             ids.defined() ? ids.sizes() : torch::IntArrayRef{});
  IWSI_CHECK(positions.defined() && positions.sizes() == ids.sizes(), "forward: positions must have the shape of ids ",
             ids.sizes());
  int64_t B = ids.size(0), T = ids.size(1);
  int64_t past = cache ? cache->length : 0;
  if (key_valid.defined()) {
    IWSI_CHECK(key_valid.dim() == 2 && key_valid.size(0) == B && key_valid.size(1) == past + T,
               "forward: key_valid must be (B, cache length + T) = (", B, ", ", past + T, "), got ", key_valid.sizes());
    IWSI_CHECK(key_valid.scalar_type() == torch::kBool, "forward: key_valid must be bool");
  }
  if (cache) {
    IWSI_CHECK(cache->k.defined() && cache->k.size(0) == model.config.num_layers && cache->k.size(1) == B,
               "forward: KV cache made for another batch size or model (cache ", cache->k.sizes(), ", batch ", B, ")");
    IWSI_CHECK(past + T <= cache->k.size(3), "forward: KV cache full: ", past, " + ", T, " tokens > capacity ",
               cache->k.size(3));
  }
}

}  // namespace

torch::Tensor rope_inverse_frequencies(const LlamaConfig& config, torch::Device device) {
  // Float32 arithmetic as in HF (_compute_default_rope_parameters / _compute_llama3_parameters).
  const int64_t D = config.head_dim;
  torch::Tensor exponent = torch::arange(0, D, 2, torch::kLong).to(torch::kFloat32) / static_cast<double>(D);
  torch::Tensor inv_freq = 1.0 / torch::pow(config.rope_theta, exponent);  // (D/2)
  const RopeScaling& rs = config.rope_scaling;
  if (rs.type == "llama3") {
    // Long wavelengths are slowed by `factor`, short ones kept, the band between interpolated.
    double old_len = static_cast<double>(rs.original_max_position_embeddings);
    double low_freq_wavelen = old_len / rs.low_freq_factor, high_freq_wavelen = old_len / rs.high_freq_factor;
    torch::Tensor wavelen = 2 * 3.14159265358979323846 / inv_freq;
    torch::Tensor scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / rs.factor, inv_freq);
    torch::Tensor smooth = (old_len / wavelen - rs.low_freq_factor) / (rs.high_freq_factor - rs.low_freq_factor);
    torch::Tensor smoothed = (1 - smooth) * scaled / rs.factor + smooth * scaled;
    torch::Tensor medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
    inv_freq = torch::where(medium, smoothed, scaled);
  } else {
    IWSI_CHECK(rs.type.empty(), "rope_scaling type '", rs.type, "' is not supported");
  }
  return inv_freq.to(device);
}

namespace {

// The weights come from three makers (so random_llama and initial_llama differ only in scales):
// normal(shape, std), a norm weight (C), and a bias (out).
struct WeightMakers {
  std::function<torch::Tensor(std::vector<int64_t>, double)> normal;
  std::function<torch::Tensor()> norm;
  std::function<torch::Tensor(int64_t)> bias;
};

// `linear_std(in)`: the std of a linear layer's weight given its input size.
Llama assemble_llama(const LlamaConfig& c, const WeightMakers& make, double embed_std,
                     const std::function<double(int64_t)>& linear_std, double untied_head_std, torch::Device device) {
  auto lin = [&](int64_t out, int64_t in, bool bias) {
    return Linear{make.normal({out, in}, linear_std(in)), bias ? make.bias(out) : torch::Tensor()};
  };
  Llama m;
  m.config = c;
  m.embed = make.normal({c.vocab_size, c.hidden_size}, embed_std);
  const int64_t C = c.hidden_size, D = c.head_dim, I = c.intermediate_size;
  for (int64_t l = 0; l < c.num_layers; ++l) {
    LlamaLayer L;
    L.input_norm = make.norm();
    L.post_attention_norm = make.norm();
    L.q = lin(c.num_heads * D, C, c.attention_bias);
    L.k = lin(c.num_kv_heads * D, C, c.attention_bias);
    L.v = lin(c.num_kv_heads * D, C, c.attention_bias);
    L.o = lin(C, c.num_heads * D, c.has_o_bias());
    L.gate = lin(I, C, c.mlp_bias);
    L.up = lin(I, C, c.mlp_bias);
    L.down = lin(C, I, c.mlp_bias);
    m.layers.push_back(L);
  }
  m.final_norm = make.norm();
  m.lm_head.weight = c.tie_word_embeddings ? m.embed : make.normal({c.vocab_size, C}, untied_head_std);
  m.rope_inv_freq = rope_inverse_frequencies(c, device);
  return m;
}

}  // namespace

Llama random_llama(const LlamaConfig& c, uint64_t seed, torch::ScalarType dtype, torch::Device device) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto normal = [&](std::vector<int64_t> shape, double std) {
    return (torch::randn(shape, gen, torch::kFloat32) * std).to(device, dtype);
  };
  const WeightMakers make{normal, [&] { return (1.0 + normal({c.hidden_size}, 0.1).to(torch::kFloat32)).to(device, dtype); },
                          [&](int64_t out) { return normal({out}, 0.1); }};
  return assemble_llama(c, make, /*embed_std=*/1.0, [](int64_t in) { return 0.5 / std::sqrt(static_cast<double>(in)); },
                        /*untied_head_std=*/0.1, device);
}

Llama initial_llama(const LlamaConfig& c, uint64_t seed, torch::ScalarType dtype, torch::Device device) {
  constexpr double kStd = 0.02;  // HF initializer_range
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto options = torch::TensorOptions().dtype(dtype).device(device);
  const WeightMakers make{[&](std::vector<int64_t> shape, double std) {
                            return (torch::randn(shape, gen, torch::kFloat32) * std).to(device, dtype);
                          },
                          [&] { return torch::ones({c.hidden_size}, options); },
                          [&](int64_t out) { return torch::zeros({out}, options); }};
  return assemble_llama(c, make, kStd, [](int64_t) { return kStd; }, kStd, device);
}

KVCache make_kv_cache(const Llama& model, int64_t batch, int64_t max_len) {
  const LlamaConfig& c = model.config;
  IWSI_CHECK(batch > 0 && max_len > 0, "make_kv_cache: batch and max_len must be positive");
  auto opts = torch::TensorOptions().dtype(model.embed.scalar_type()).device(model.embed.device());
  KVCache cache;
  cache.k = torch::zeros({c.num_layers, batch, c.num_kv_heads, max_len, c.head_dim}, opts);
  cache.v = torch::zeros({c.num_layers, batch, c.num_kv_heads, max_len, c.head_dim}, opts);
  return cache;
}

namespace {

// The decoder layers; returns the residual stream (B, T, C) before the final norm.
torch::Tensor decoder_layers(const Llama& model, const torch::Tensor& ids_in, const torch::Tensor& positions_in,
                             const torch::Tensor& key_valid_in, KVCache* cache) {
  check_inputs(model, ids_in, positions_in, key_valid_in, cache);
  const LlamaConfig& c = model.config;
  const torch::Device device = model.embed.device();
  const torch::ScalarType dtype = model.embed.scalar_type();
  const int64_t B = ids_in.size(0), T = ids_in.size(1), H = c.num_heads, Hkv = c.num_kv_heads, D = c.head_dim;
  const int64_t G = H / Hkv;  // query heads per KV head
  const int64_t past = cache ? cache->length : 0, Tk = past + T;
  torch::Tensor ids = ids_in.to(device, torch::kLong);
  torch::Tensor key_valid = key_valid_in.defined() ? key_valid_in.to(device) : key_valid_in;

  torch::Tensor positions = positions_in.to(device);
  RopeTables rope = rope_tables(model, positions, dtype, 1.0);
  // The query tables: in float32/float64 the key tables times 1/sqrt(D) are the very products
  // rope_tables would form (scale, then a no-op cast), so two multiplies replace a second build.
  const double q_scale = 1.0 / std::sqrt(static_cast<double>(D));
  RopeTables rope_q = dtype == accum_dtype(dtype) ? RopeTables{rope.cos * q_scale, rope.sin_signed * q_scale}
                                                  : rope_tables(model, positions, dtype, q_scale);
  // (B|1, 1, 1, T, Tk) or undefined; built on first use, as float32 CPU inference never needs it.
  torch::Tensor mask;
  bool mask_built = false;

  torch::Tensor h = torch::embedding(model.embed, ids);  // (B, T, C)
  const torch::Tensor& seeds = model.lora_dropout_seeds;  // (B) or undefined: LoRA dropout masks per row
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const LlamaLayer& L = model.layers[l];
    torch::Tensor x = rms_norm(h, L.input_norm, c.rms_norm_eps);                              // (B, T, C)
    torch::Tensor q = apply_rope(linear(x, L.q, seeds).view({B, T, H, D}), rope_q).transpose(1, 2);  // (B, H, T, D)
    torch::Tensor k = apply_rope(linear(x, L.k, seeds).view({B, T, Hkv, D}), rope).transpose(1, 2);  // (B, Hkv, T, D)
    torch::Tensor v = linear(x, L.v, seeds).view({B, T, Hkv, D}).transpose(1, 2);                    // (B, Hkv, T, D)
    torch::Tensor keys = k, values = v;                                                       // (B, Hkv, Tk, D)
    if (cache) {
      torch::Tensor kc = cache->k.select(0, l), vc = cache->v.select(0, l);  // (B, Hkv, Tmax, D)
      kc.narrow(2, past, T).copy_(k);
      vc.narrow(2, past, T).copy_(v);
      keys = kc.narrow(2, 0, Tk);
      values = vc.narrow(2, 0, Tk);
    }
    // GQA without repeating K/V: query heads [g*G, (g+1)*G) share KV head g (HF repeat_kv order), so
    // they become G*T rows of one matmul against that head's keys.
    torch::Tensor att;  // (B, T, H*D)
    if (cpu_attention_applies(q, keys, values)) {
      // Float32 CPU inference: one loop kernel instead of libtorch's per-(row, head) tiny GEMMs.
      att = cpu_attention(q, keys, values, key_valid, past);
    } else {
      if (!mask_built) mask = attention_mask(past, T, key_valid, device), mask_built = true;
      torch::Tensor scores = matmul_forward(q.reshape({B, Hkv, G * T, D}), keys.transpose(-1, -2));  // (B, Hkv, G*T, Tk)
      scores = scores.view({B, Hkv, G, T, Tk}).to(accum_dtype(dtype));
      if (mask.defined()) scores = scores + mask;
      torch::Tensor probs = torch::softmax(scores, -1).to(dtype).view({B, Hkv, G * T, Tk});
      att = matmul_forward(probs, values).view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
    }
    h = h + linear(att, L.o, seeds);

    x = rms_norm(h, L.post_attention_norm, c.rms_norm_eps);
    torch::Tensor gate = linear(x, L.gate, seeds), up = linear(x, L.up, seeds);
    torch::Tensor act = cpu_elementwise_applies(gate) && cpu_elementwise_applies(up) ? swiglu(gate, up)
                                                                                     : torch::silu(gate) * up;
    h = h + linear(act, L.down, seeds);
  }
  if (cache) cache->length = Tk;
  return h;
}

}  // namespace

torch::Tensor forward_hidden(const Llama& model, const torch::Tensor& ids, const torch::Tensor& positions,
                             const torch::Tensor& key_valid, KVCache* cache) {
  torch::Tensor h = decoder_layers(model, ids, positions, key_valid, cache);  // (B, T, C)
  return rms_norm(h, model.final_norm, model.config.rms_norm_eps);
}

torch::Tensor lm_head_logits(const Llama& model, const torch::Tensor& hidden) {
  return linear(hidden, model.lm_head).to(accum_dtype(hidden.scalar_type()));
}

torch::Tensor forward(const Llama& model, const torch::Tensor& ids, const torch::Tensor& positions,
                      const torch::Tensor& key_valid, KVCache* cache, bool last_only) {
  torch::Tensor h = decoder_layers(model, ids, positions, key_valid, cache);  // (B, T, C)
  if (last_only) h = h.narrow(1, h.size(1) - 1, 1);                          // (B, 1, C)
  return lm_head_logits(model, rms_norm(h, model.final_norm, model.config.rms_norm_eps));  // (B, T|1, V)
}

torch::Tensor forward(const Llama& model, const torch::Tensor& ids, const torch::Tensor& positions,
                      const torch::Tensor& key_valid, KVCache* cache) {
  return forward(model, ids, positions, key_valid, cache, /*last_only=*/false);
}

}  // namespace iwsi
