#include "score/sft_tokens.h"

#include "core/error.h"

namespace iwsi {

SftTokens sft_tokens(const Tokenizer& tokenizer, const std::string& prompt_text, const std::string& answer_text) {
  const std::vector<int32_t> whole = tokenizer.encode(prompt_text + answer_text, true);
  const std::vector<int32_t> prompt_alone = tokenizer.encode(prompt_text, true);
  size_t boundary = 0;
  while (boundary < whole.size() && boundary < prompt_alone.size() && whole[boundary] == prompt_alone[boundary]) ++boundary;
  SftTokens tokens{{whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(boundary)},
                   {whole.begin() + static_cast<std::ptrdiff_t>(boundary), whole.end()}};
  const std::vector<int32_t> eos = tokenizer.eos_ids();
  if (!eos.empty()) tokens.answer.push_back(eos.front());
  IWSI_CHECK(!tokens.prompt.empty(), "prompt '", prompt_text.substr(0, 40), "...' encodes to no tokens");
  return tokens;
}

}  // namespace iwsi
