// The token ids of a (prompt, answer) training or scoring text, split where the answer begins.
// The whole text is encoded at once (so tokens merge across the boundary exactly as they would in
// any text the model sees) and the prompt is the longest prefix of those ids that encoding the
// prompt alone also gives; the answer is the rest plus EOS. DS scoring and training both use this,
// so a sample's loss means the same thing in both. No model here, only the tokenizer.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace iwsi {

struct SftTokens {
  std::vector<int32_t> prompt;  // BOS + prompt tokens
  std::vector<int32_t> answer;  // answer tokens + EOS (when the tokenizer has one)
};

SftTokens sft_tokens(const Tokenizer& tokenizer, const std::string& prompt_text, const std::string& answer_text);

}  // namespace iwsi
