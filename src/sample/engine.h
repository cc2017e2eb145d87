// The batched sampling engine: many prompts, several samples each, decoded together with one
// forward per step over a shared, preallocated, left-padded KV cache. Each prompt is prefilled once
// per batch and its cache copied into the rows of its samples. Sample j of a request depends only on
// (seed, stream, j), the model and the parameters, never on batching (core/rng.h): on the CPU in float32 a
// token's logits are bitwise the same whatever the batch (model/invariant_linear.h), so are the
// samples; on a GPU, batch shapes may round differently, which matters only when a uniform falls
// within ~1e-7 of a boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/llama.h"
#include "sample/params.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {

// Returns all samples ordered by (request, sample_index). on_progress (optional) is called after
// every decode step with the number of tokens generated so far by this call.
// Requests are scheduled shortest prompt first (less padding per batch); results do not depend on it.
std::vector<Sample> generate(const Llama& model, const Tokenizer& tokenizer, const std::vector<GenerationRequest>& requests,
                             const SamplingParams& params, const EngineOptions& options = {},
                             const std::function<void(int64_t tokens_so_far)>& on_progress = nullptr);

}  // namespace iwsi
