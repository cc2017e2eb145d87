// PEFT LoRA adapter directories (adapter_config.json + adapter_model.safetensors) <-> the adapters of
// a Llama (lora.h). Loading is strict in the way load_llama is: every expected tensor with the right
// shape, nothing unexpected, and PEFT options we do not implement are refused by name.
#pragma once

#include <string>

#include "model/lora.h"

namespace iwsi {

// Writes `dir`/adapter_config.json (PEFT's LoRA fields) and `dir`/adapter_model.safetensors (float32),
// each under a temp name renamed when complete. The model's adapters must be the ones `config` describes.
void save_lora_adapter(const Llama& model, const LoraConfig& config, const std::string& dir,
                       const std::string& base_model_path);

// Reads a PEFT LoRA adapter directory into `model` (which must have no adapters yet). Strict: a
// missing directory or file, an unsupported PEFT option, a target the model does not have, a tensor
// missing, unexpected or of the wrong shape (an adapter for another base) -> iwsi::Error naming the
// file and the field/tensor/module. Returns the adapter's config.
LoraConfig load_lora_adapter(Llama& model, const std::string& dir);

}  // namespace iwsi
