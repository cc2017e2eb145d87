// LoRA on the Llama decoder's projections, with PEFT's names, initialization and scaling: add
// trainable low-rank adapters, list them for an optimizer, merge them into the base weights. Saving
// and loading them as PEFT adapter directories: lora_adapter_file.h.
// The adapted forward itself is linear() in llama.cc, which calls lora_delta() below.
// Deliberately not here: the training loop, optimizers, losses; no other PEFT method or variant
// (DoRA, rank/alpha patterns, modules_to_save, bias training) - such adapters are rejected by name.
#pragma once

#include "model/torch_api.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/llama.h"

namespace iwsi {

struct LoraConfig {
  int64_t r = 64;
  double alpha = 16;
  double dropout = 0.05;
  std::vector<std::string> targets = {"q_proj", "v_proj", "gate_proj", "up_proj", "down_proj"};  // also k_proj, o_proj
};

struct LoraWeights {
  torch::Tensor a;    // (r, in)  lora_A
  torch::Tensor b;    // (out, r) lora_B
  double scale = 1;   // alpha / r
  double dropout = 0;
  // Where the adapter sits: (layer, module index in q,k,v,o,gate,up,down order). Keys the dropout
  // masks, so every adapted projection of a row draws its own mask.
  int64_t layer = 0, module = 0;
};

// The projection names LoRA may target, in module order (q,k,v,o,gate,up,down).
const std::vector<std::string>& lora_module_names();

// Adds adapters to every targeted projection of every layer: A ~ U(-1/sqrt(in), 1/sqrt(in)) (PEFT's
// kaiming_uniform_(a=sqrt(5))) from a generator seeded by `seed`, B = 0, scale = alpha / r. A and B
// are float32 (float64 for a float64 model) whatever the base dtype, like PEFT's adapter autocast,
// on the model's device, requires_grad(true); every base tensor gets requires_grad(false).
// Throws iwsi::Error for an unknown target (listing the valid names), a bad r/alpha/dropout, or a
// model that already has adapters.
void add_lora(Llama& model, const LoraConfig& config, uint64_t seed);

// The adapter tensors under PEFT's names (base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight,
// ...mlp.gate_proj.lora_B.weight), ordered by layer, then module (q,k,v,o,gate,up,down), then A before B.
// The tensors are the model's own (the leaves an optimizer updates).
std::vector<std::pair<std::string, torch::Tensor>> lora_parameters(const Llama& model);

// W += scale * B A for every adapted projection (in float32, or float64 for a float64 model, then
// rounded once to W's dtype), then removes the adapters. W gets a new tensor: models sharing the old
// weights (shallow copies) are unaffected.
void merge_lora(Llama& model);

// The LoRA term of an adapted projection: scale * dropout(x) A^T B^T, computed in the adapter's
// dtype and returned in x's.  x: (N, ..., in) -> (N, ..., out).
// row_seeds: (N) int64, or undefined = no dropout (inference). With seeds and lora.dropout > 0, the
// mask of row n is a pure function of (row_seeds[n], lora.layer, lora.module, position in the row),
// so it does not depend on the other rows of the batch nor on how far the batch is padded.
torch::Tensor lora_delta(const torch::Tensor& x, const LoraWeights& lora, const torch::Tensor& row_seeds);

// The dropout multiplier of lora_delta: 0 (dropped) or 1/(1-p) (kept), of shape `shape` = (N, ...)
// with `options`' dtype and device. Element j of row n (row-major within the row) is kept iff the top
// 24 bits of splitmix64_mix(key_n + (j+1) * golden_gamma) are below (1-p) * 2^24, where key_n =
// counter_hash(row_seeds[n], layer, module, domain): a counter-based stream, the same on every device.
torch::Tensor lora_dropout_multiplier(const torch::Tensor& row_seeds, int64_t layer, int64_t module, double p,
                                      torch::IntArrayRef shape, const torch::TensorOptions& options);

}  // namespace iwsi
