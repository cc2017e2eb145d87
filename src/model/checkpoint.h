// Hugging Face checkpoint directories <-> Llama: config.json plus model.safetensors, or
// model.safetensors.index.json plus shards. Loading is strict (every expected tensor, right shapes,
// nothing unexpected) and converts each mmap'ed tensor once to the compute dtype/device.
// Deliberately not here: tokenizer files, generation_config.json, LoRA adapters, .bin/pickle files.
#pragma once

#include "model/torch_api.h"

#include <string>
#include <utility>
#include <vector>

#include "model/llama.h"

namespace iwsi {

// Loads a HF directory: config.json + model.safetensors, or model.safetensors.index.json + shards.
// Tensors may be F32/F16/BF16 in the file; `dtype` is the compute dtype. The files are mmap'ed and each
// tensor is converted once (from_blob over the mapping -> dtype/device). Strict: every expected tensor
// present with the right shape, no unexpected ones (except rotary inv_freq buffers, and a tied
// lm_head.weight identical to the embedding), dtype supported - else iwsi::Error naming the file and tensor.
Llama load_llama(const std::string& dir, torch::ScalarType dtype = torch::kFloat32, torch::Device device = torch::kCPU);

// Writes config.json (torch_dtype = file_dtype) and the weights under HF names (lm_head.weight only
// when untied): model.safetensors, or, past max_shard_bytes, model-0000i-of-0000N.safetensors shards
// with model.safetensors.index.json, as save_pretrained does (5 GB shards by default). Every file goes
// to a temp name renamed when complete; weight files of an earlier save that this one does not write
// are removed, so the directory loads as what was just saved.
constexpr int64_t kDefaultShardBytes = 5'000'000'000;
void save_llama(const Llama& model, const std::string& dir, torch::ScalarType file_dtype = torch::kFloat32,
                int64_t max_shard_bytes = kDefaultShardBytes);

// The model's tensors under their HF names, in file order (lm_head.weight only when untied).
std::vector<std::pair<std::string, torch::Tensor>> llama_named_tensors(const Llama& model);

}  // namespace iwsi
