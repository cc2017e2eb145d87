// Option groups shared by several jobs ([model], [sampling]) and their typed readers, so that every
// job spells, defaults and validates them the same way.
#pragma once

#include "model/torch_api.h"

#include "job.h"
#include "core/log.h"
#include "data/dataset.h"
#include "model/llama.h"
#include "sample/engine.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {

void describe_data_options(po::options_description& options);
void describe_model_options(po::options_description& options);
void describe_sampling_options(po::options_description& options);

struct LoadedModel {
  std::string path;
  Llama model;
  Tokenizer tokenizer;
  torch::Device device = torch::kCPU;
};
// The --model.dtype to compute in for a checkpoint with `config` on `device` (auto resolved and
// logged; an unsupported dtype refused naming the option).
torch::ScalarType compute_dtype(const JobContext& context, const LlamaConfig& config, torch::Device device);
// Loads [model] path with its tokenizer on this rank's device (cuda:local_rank when there are GPUs),
// and checks that the tokenizer's vocabulary fits the model's.
LoadedModel load_model(const JobContext& context);

// Runs `work`; an iwsi::Error from it gets "(model M + adapter A)" added, so that NaN logits or a
// shape mismatch name the weights they came from.
template <class Work>
auto naming_model(const std::string& model, const std::string& adapter, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const Error& e) {
    throw Error(cat(e.what(), " (model ", model, adapter.empty() ? "" : " + adapter " + adapter, ")"));
  }
}

// [data] options, validated.
DatasetOptions dataset_options(const JobContext& context);
// The files a dataset was read from (for provenance and output claims): its folder, and the
// prompt file when one is given.
std::vector<std::string> dataset_inputs(const DatasetOptions& options);
// `lists` one after another: the input list of a claim or a provenance record.
std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists);

// [sampling] options, validated; EOS ids from the tokenizer.
SamplingParams sampling_params(const JobContext& context, const Tokenizer& tokenizer);
// The token choice and length limits of one section's options ("sampling", "judge"): temperature,
// top_k, top_p, max_new_tokens, max_length and seed, each range-checked; EOS ids from the tokenizer.
SamplingParams sampling_limits(const JobContext& context, const std::string& section, const Tokenizer& tokenizer);
EngineOptions engine_options(const JobContext& context);
// [model] max_positions, validated (0 = the model's max_position_embeddings).
int64_t max_positions(const JobContext& context);

}  // namespace iwsi
