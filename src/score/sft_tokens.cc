#include "score/sft_tokens.h"

#include <algorithm>

#include "core/error.h"

namespace iwsi {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return prefix.size() <= text.size() && std::equal(prefix.begin(), prefix.end(), text.begin());
}

SftTokens with_prompt(const Tokenizer& tokenizer, const std::string& prompt_text) {
  SftTokens tokens;
  tokens.prompt = tokenizer.encode(prompt_text, true);
  IWSI_CHECK(!tokens.prompt.empty(), "prompt '", prompt_text.substr(0, 40), "...' encodes to no tokens");
  return tokens;
}

void append_eos(const Tokenizer& tokenizer, SftTokens& tokens) {
  const std::vector<int32_t> eos = tokenizer.eos_ids();
  if (!eos.empty()) tokens.answer.push_back(eos.front());
}

// A stop string ends a sample a token or two before the last generated one; a cleaned tail may differ
// more. Past this many dropped tokens the text is encoded instead (each try decodes the run once).
constexpr size_t kMaxDroppedTailTokens = 32;

}  // namespace

SftTokens sft_tokens(const Tokenizer& tokenizer, const std::string& prompt_text, const std::string& answer_text) {
  SftTokens tokens = with_prompt(tokenizer, prompt_text);
  tokens.answer = tokenizer.encode_continuation(answer_text);
  append_eos(tokenizer, tokens);
  return tokens;
}

SftTokens sample_sft_tokens(const Tokenizer& tokenizer, const std::string& prompt_text,
                            const std::vector<int32_t>& generated_ids, const std::string& answer_text) {
  SftTokens tokens = with_prompt(tokenizer, prompt_text);
  size_t end = generated_ids.size();
  while (end > 0 && tokenizer.is_special(generated_ids[end - 1])) --end;  // EOS / stop tokens: EOS is re-added
  // The longest run of the model's ids whose text, leading whitespace aside (the text is trimmed, the
  // ids keep what the model wrote), starts answer_text.
  const size_t last = end;
  size_t spelled = 0;  // bytes of answer_text the run spells
  bool found = false;
  for (; end > 0 && last - end <= kMaxDroppedTailTokens; --end) {
    const std::string text = tokenizer.decode(std::vector<int32_t>(generated_ids.begin(), generated_ids.begin() + end), true);
    const size_t lead = std::min(text.size(), text.find_first_not_of(" \t\n\r"));
    if (starts_with(answer_text, text.substr(lead))) {
      spelled = text.size() - lead, found = true;
      break;
    }
  }
  if (!found) {
    tokens.answer = tokenizer.encode_continuation(answer_text);
    tokens.model_ids_only = answer_text.empty();
  } else {
    tokens.answer.assign(generated_ids.begin(), generated_ids.begin() + end);
    const std::string rest = answer_text.substr(spelled);
    if (!rest.empty()) {
      const std::vector<int32_t> more = tokenizer.encode_continuation(rest);
      tokens.answer.insert(tokens.answer.end(), more.begin(), more.end());
      tokens.model_ids_only = false;
    }
  }
  append_eos(tokenizer, tokens);
  return tokens;
}

std::vector<int32_t> record_loss_tokens(const Tokenizer& tokenizer, const SftTokens& tokens, int64_t max_length) {
  const std::vector<int32_t> eos = tokenizer.eos_ids();
  IWSI_CHECK(!eos.empty(), "weigh.loss_scope = code puts an EOS token before the answer, but the tokenizer has none");
  std::vector<int32_t> sequence = tokens.prompt;
  sequence.push_back(eos.front());
  std::vector<int32_t> answer = tokens.answer;
  if (!answer.empty() && std::find(eos.begin(), eos.end(), answer.back()) != eos.end()) answer.pop_back();
  sequence.insert(sequence.end(), answer.begin(), answer.end());
  if (max_length > 0 && static_cast<int64_t>(sequence.size()) > max_length) sequence.resize(static_cast<size_t>(max_length));
  return sequence;
}

}  // namespace iwsi
