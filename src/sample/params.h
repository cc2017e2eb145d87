// The vocabulary of batched generation: how to sample (SamplingParams), what to generate
// (GenerationRequest), what comes back (Sample), and how the engine may batch (EngineOptions).
// Plain data only; the engine that uses them is engine.h, the token choice pick.h, the stop rules
// stop.h. Kept torch-free so job drivers and output writers can use it without the torch headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iwsi {

enum class FinishReason : int8_t { eos = 0, stop_token = 1, stop_string = 2, length = 3 };
const char* finish_reason_name(FinishReason reason);  // "eos", "stop_token", "stop_string", "length"

struct SamplingParams {
  double temperature = 1.0;        // 0 = greedy (argmax, ties -> lowest id)
  int64_t top_k = 0;               // 0 = off
  double top_p = 1.0;              // 1 = off
  int64_t max_new_tokens = 128;
  int64_t max_length = 0;          // prompt + generated tokens at most, as transformers' max_length; 0 = off
  std::vector<int32_t> stop_token_ids;   // in addition to EOS ids (which come from the caller, e.g. tokenizer.eos_ids())
  std::vector<int32_t> eos_ids;
  std::vector<std::string> stop_strings; // e.g. "\nQ:"; the text is cut before the stop string
  bool ignore_eos = false;               // true: neither eos_ids nor stop_token_ids stop (reference.json mode)
  uint64_t seed = 0;
};

// Throws iwsi::Error naming the field when a value is out of range (negative temperature, top_p
// outside (0, 1], negative top_k or max_new_tokens, an empty stop string).
void check_sampling_params(const SamplingParams& params);

struct GenerationRequest {
  std::vector<int32_t> prompt_ids;
  int64_t num_samples = 1;
  uint64_t stream = 0;   // e.g. the question's global index: sample j of this request depends only on (seed, stream, j) and the model
  std::string label;     // what errors call it ("question gsm8k-test-17"); "" = "request <index>"
};

struct Sample {
  int64_t request = 0, sample_index = 0;   // which request (index into the input vector) and which of its samples
  std::vector<int32_t> token_ids;          // generated ids (the stopping EOS/stop token included; for a stop string: up to and including the token that completed it)
  std::string text;                        // decode(token_ids, skip_special) cut before the first stop string
  double sum_logprob = 0;                  // sum over token_ids of log softmax(raw logits)[token] (the model's own likelihood at T=1, before temperature/top-k/top-p)
  int64_t length = 0;                      // token_ids.size()
  FinishReason finish = FinishReason::length;
};

struct EngineOptions {
  int64_t max_batch_rows = 64;        // rows = samples decoded together
  int64_t max_prefill_tokens = 8192;  // padded prompt tokens per prefill forward (bounds attention memory)
  // Positions a row (prompt + generation) may use; 0 = the model's max_position_embeddings. A longer
  // prompt is refused, a generation that reaches it ends there (finished by length).
  int64_t max_positions = 0;
};

}  // namespace iwsi
