// The token ids of a (prompt, answer) training or scoring text, split where the answer begins, with
// one token boundary everywhere: the prompt is encoded alone, with BOS, exactly as generate and eval
// encode the prompts the model answers, and the answer is the continuation the model would have to
// produce after it. For a generated sample that is the model's own ids (what it produced, up to where
// its text was cut); for a written text (valid rationales, human solutions) the answer is encoded as a
// continuation (Tokenizer::encode_continuation: no dummy prefix, no prefix space, nothing merged
// across the join). So a model is trained and scored on the boundary it sees at evaluation; encoding
// prompt + answer as one string would merge Llama-3's trailing "A: " space into the first answer token,
// a boundary generation never produces. EOS is appended to every answer. DS scoring and training both
// use these, so a sample's loss means the same thing in both. No model here, only the tokenizer.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace iwsi {

struct SftTokens {
  std::vector<int32_t> prompt;  // encode(prompt, add_special_tokens = true): BOS + prompt tokens
  std::vector<int32_t> answer;  // answer tokens + EOS (when the tokenizer has one)
  // For a generated sample: true when the answer is the model's ids alone, false when some text (a
  // stop string cut inside a token, or a rewritten tail) had to be encoded as a continuation.
  bool model_ids_only = true;
};

// A written answer: its text encoded as the continuation of the prompt.
SftTokens sft_tokens(const Tokenizer& tokenizer, const std::string& prompt_text, const std::string& answer_text);

// A generated sample: `generated_ids` as the engine produced them (a final EOS / stop token included)
// and `answer_text`, the text trained on: the sample's text, cut before its stop string and trimmed.
// The answer is the longest run of generated ids from the first that spells the start of answer_text
// (leading whitespace the model wrote is kept: those are its ids; tokens past a cut are left out),
// then the rest of answer_text, if any, encoded as a continuation; when no run of the ids spells a
// prefix of the text (a rewritten sample), the whole text.
SftTokens sample_sft_tokens(const Tokenizer& tokenizer, const std::string& prompt_text,
                            const std::vector<int32_t>& generated_ids, const std::string& answer_text);

// weigh.loss_scope = code, the official record_loss text: BOS "Q: q\nA: " EOS answer -- an EOS between
// prompt and answer and none after it -- cut to the first `max_length` tokens, scored as one sequence
// whose every token after the first is a target. (The official code also counts BOS as a target
// predicted from a left-padding position; no padding exists here.) Throws when the tokenizer has no EOS.
std::vector<int32_t> record_loss_tokens(const Tokenizer& tokenizer, const SftTokens& tokens, int64_t max_length);

}  // namespace iwsi
