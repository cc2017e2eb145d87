// The differentiable training loss of one micro-batch: each sample's mean negative log-likelihood
// of its answer tokens (rationale + EOS) given its prompt, the loss scope `answer` of ../shared/docs/IWSI.md
// section 2. Prompt tokens and padding never count. The lm_head and log-softmax run only on the
// predicted positions, so a large vocabulary costs (answer tokens x V), not (B x T x V).
// Deliberately no weighting or batch reduction (the trainer does both) and no tokenization.
#pragma once

#include "model/torch_api.h"

#include <cstdint>
#include <vector>

#include "model/llama.h"

namespace iwsi {

// One training sequence: ids = prompt + answer (already truncated); tokens [prompt_length, size)
// are trained, each predicted from the position before it.
struct TokenSample {
  std::vector<int32_t> ids;
  int64_t prompt_length = 0;
  double weight = 1.0;  // the sample's loss weight (1, or min(w', C) for iwsi-w)
};

// (B) float32 with autograd: the mean answer-token NLL of each sample, rows right-padded into one
// (B, T) forward. Throws naming the sample when it has no answer token or an empty prompt.
torch::Tensor answer_token_nll(const Llama& model, const std::vector<const TokenSample*>& samples);

}  // namespace iwsi
