// The projections LoRA can adapt, shared by the adapter math (lora.cc) and the adapter files
// (lora_adapter_file.cc): module order, PEFT tensor names, target lists, config checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/lora.h"

namespace iwsi {

// The projections of a layer in module order; `block` is the HF submodule holding it.
struct LoraModuleSlot {
  const char* name;
  const char* block;
  Linear LlamaLayer::*member;
};
inline const LoraModuleSlot kLoraModules[] = {
    {"q_proj", "self_attn", &LlamaLayer::q},  {"k_proj", "self_attn", &LlamaLayer::k},
    {"v_proj", "self_attn", &LlamaLayer::v},  {"o_proj", "self_attn", &LlamaLayer::o},
    {"gate_proj", "mlp", &LlamaLayer::gate}, {"up_proj", "mlp", &LlamaLayer::up},
    {"down_proj", "mlp", &LlamaLayer::down},
};
constexpr int64_t kLoraModuleCount = 7;

std::string lora_target_names();  // "q_proj, k_proj, ..." for messages
// Module indices of `targets` as a per-module flag; unknown or repeated names throw, naming `where`.
std::vector<bool> lora_targeted_modules(const std::vector<std::string>& targets, const std::string& where);
void check_lora_config(const LoraConfig& c, const std::string& where);
// Adapters train and merge in float32 even on a bf16/f16 base (PEFT's adapter autocast); a float64
// model (tests) keeps float64 throughout.
torch::ScalarType lora_dtype(const Llama& model);
// PEFT's name of an adapter tensor: base_model.model.model.layers.L.<block>.<module>.lora_<A|B>.weight
std::string lora_peft_name(int64_t layer, int64_t module, const char* which);
void require_no_lora(const Llama& model, const std::string& where);

}  // namespace iwsi
