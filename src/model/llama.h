// The Llama-family decoder (Llama 2/3, Qwen2) as plain tensors and free functions: config, weights,
// a KV cache, and one forward pass over a block of new tokens with Hugging Face semantics (RMSNorm in
// float32, rotate_half RoPE with optional llama3 scaling, GQA, SwiGLU, logits in the accumulation dtype: float32, float64 for float64 weights).
// Deliberately not here: loading/saving (checkpoint.h), sampling loops, losses (loss.h), LoRA adapters
// (lora.h; a Linear only carries one, and linear() adds its term).
// forward() works under autograd (no in-place ops on weights/activations, nothing detached).
#pragma once

#include "model/torch_api.h"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace iwsi {

struct RopeScaling {
  std::string type;  // "" = none; "llama3" supported
  double factor = 1, low_freq_factor = 1, high_freq_factor = 4;
  int64_t original_max_position_embeddings = 8192;
};

struct LlamaConfig {
  int64_t vocab_size = 0, hidden_size = 0, intermediate_size = 0, num_layers = 0, num_heads = 0,
          num_kv_heads = 0, head_dim = 0, max_position_embeddings = 0;
  double rms_norm_eps = 1e-6, rope_theta = 10000;
  RopeScaling rope_scaling;
  // attention_bias: llama = bias on q, k, v and o; qwen2 always has q/k/v bias and never an o bias.
  bool tie_word_embeddings = false, attention_bias = false, mlp_bias = false;
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;
  std::string model_type = "llama";  // "llama" or "qwen2"
  // The weights' dtype as config.json declares it ("dtype" or "torch_dtype"; "" = not said). What
  // model.dtype = auto resolves to on a GPU, and what merge writes by default.
  std::string checkpoint_dtype;

  nlohmann::json to_json() const;  // HF config.json content, so save_llama writes a loadable config
  bool has_o_bias() const { return attention_bias && model_type == "llama"; }
};

// Reads an HF config.json; rejects unsupported architectures/fields, naming the file and the field.
LlamaConfig read_llama_config(const std::string& config_json_path);
// Same checks on an already parsed object (`where` names its origin in errors).
LlamaConfig llama_config_from_json(const nlohmann::json& j, const std::string& where);

struct LoraWeights;  // model/lora.h

struct Linear {
  torch::Tensor weight;  // (out, in)
  torch::Tensor bias;    // (out) or undefined
  std::shared_ptr<LoraWeights> lora;  // null = plain linear; else y += scale * dropout(x) A^T B^T (lora.h)
};

struct LlamaLayer {
  torch::Tensor input_norm, post_attention_norm;  // (C) each
  Linear q, k, v, o, gate, up, down;
};

struct Llama {
  LlamaConfig config;
  torch::Tensor embed;  // (V, C)
  std::vector<LlamaLayer> layers;
  torch::Tensor final_norm;  // (C)
  Linear lm_head;            // weight aliases embed when tied
  torch::Tensor rope_inv_freq;  // (D/2) float32, after rope_scaling
  // (B) int64 per-row seeds of LoRA dropout while training; undefined = no dropout (inference). Row b's
  // masks are a pure function of (seed b, layer, module), whatever else shares its batch.
  torch::Tensor lora_dropout_seeds;
};

// (D/2) float32 inverse frequencies theta^(-2i/D), then llama3 scaling if configured (as HF's
// _compute_llama3_parameters). On `device`.
torch::Tensor rope_inverse_frequencies(const LlamaConfig& config, torch::Device device = torch::kCPU);

// A model with random weights of test-friendly scale (embeddings std 1, norms near 1): large,
// varied logits for numerical tests and benchmarks. Not a training start: see initial_llama.
Llama random_llama(const LlamaConfig& config, uint64_t seed, torch::ScalarType dtype = torch::kFloat32,
                   torch::Device device = torch::kCPU);

// The start of training from scratch, as Hugging Face initializes Llama: every linear and the
// embedding normal(0, initializer_range = 0.02), biases 0, norms 1 (initial loss ~ ln V).
Llama initial_llama(const LlamaConfig& config, uint64_t seed, torch::ScalarType dtype = torch::kFloat32,
                    torch::Device device = torch::kCPU);

struct KVCache {
  torch::Tensor k, v;   // (L, B, Hkv, Tmax, D) each
  int64_t length = 0;   // positions [0, length) are filled
};

// Preallocated (zeroed) on the model's device in its dtype; never reallocated by forward().
KVCache make_kv_cache(const Llama& model, int64_t batch, int64_t max_len);

// One forward pass over a block of new tokens.
//  ids, positions: (B, T) int64 (positions = RoPE positions, per row, so left-padded rows work)
//  key_valid: (B, Tk) bool where Tk = (cache ? cache->length + T : T); false = padding key, never
//             attended; undefined tensor = all valid
//  cache: if non-null, K/V of the new tokens are written at [cache->length, cache->length+T) and
//         cache->length advances by T; attention is causal over the cache plus the block
// returns logits (B, T, V) float32 (float64 for a float64 model).
torch::Tensor forward(const Llama& model, const torch::Tensor& ids, const torch::Tensor& positions,
                      const torch::Tensor& key_valid, KVCache* cache);
// last_only: the logits of the last block position only, (B, 1, V); saves the lm_head on prefill.
torch::Tensor forward(const Llama& model, const torch::Tensor& ids, const torch::Tensor& positions,
                      const torch::Tensor& key_valid, KVCache* cache, bool last_only);
// The decoder without the lm_head: final-normed hidden states (B, T, C) in the compute dtype.
torch::Tensor forward_hidden(const Llama& model, const torch::Tensor& ids, const torch::Tensor& positions,
                             const torch::Tensor& key_valid, KVCache* cache);
// hidden (..., C) -> logits (..., V) float32, or float64 for a float64 model (tests check logic there,
// far below float32 rounding).
torch::Tensor lm_head_logits(const Llama& model, const torch::Tensor& hidden);

}  // namespace iwsi
