// Per-sample negative log-likelihood of answers given prompts under a Llama, batched for throughput.
// It is the scoring primitive of importance weighting: one double per sample, same order as given.
// Deliberately inference-only (no autograd; runs under NoGradGuard) and tokenizer-free: callers pass
// token ids, with whatever terminator they want already appended to the answers.
#pragma once

#include <cstdint>
#include <vector>

#include "model/llama.h"

namespace iwsi {

// Per-sample mean token NLL (natural log) of the answer tokens given the prompt; prompt and padding
// masked. Samples are sorted by length and right-padded into (B, T) blocks of at most
// `max_batch_tokens` tokens per forward (a longer sample runs alone); the lm_head runs only on the
// predicted positions. Returns one double per sample, in input order.
// scope_full=true: the mean over ALL predicted tokens (positions 1..end of prompt+answer), the
// paper-code compatibility mode.
// Throws iwsi::Error naming the sample for an empty answer (or an empty prompt when
// scope_full=false: nothing predicts the first answer token) and for token ids outside the vocabulary.
std::vector<double> answer_nll(const Llama& model, const std::vector<std::vector<int32_t>>& prompt_ids,
                               const std::vector<std::vector<int32_t>>& answer_ids, bool scope_full = false,
                               int64_t max_batch_tokens = 16384);

// Log-probabilities (natural log) of the given candidate tokens as the token that follows each
// prompt: result[i][j] = log p(token_ids[j] | prompt_ids[i]). Batched like answer_nll (the lm_head
// runs on each prompt's last position only). Used to read a judgement off the next-token
// distribution (the `self` baseline). Throws naming the prompt for an empty prompt or an id
// outside the vocabulary.
std::vector<std::vector<double>> next_token_log_probs(const Llama& model, const std::vector<std::vector<int32_t>>& prompt_ids,
                                                      const std::vector<int32_t>& token_ids,
                                                      int64_t max_batch_tokens = 16384);

}  // namespace iwsi
