// Stop conditions of a sample (stop.h): stop ids by lookup, stop strings by a tail window that is
// decoded each step and, on a hit, confirmed on the whole decoded text.
#include "sample/stop.h"

#include <algorithm>

namespace iwsi {

StopRules::StopRules(const SamplingParams& params, const Tokenizer& tokenizer)
    : tokenizer_(tokenizer),
      eos_ids_(params.eos_ids),
      stop_token_ids_(params.stop_token_ids),
      stop_strings_(params.stop_strings),
      ignore_eos_(params.ignore_eos) {
  // Every text-bearing token contributes at least one byte, so a stop string of n bytes that ends in
  // the newest token starts within its last n text-bearing tokens; two more keep it clear of the
  // window's first token, whose leading space a Strip decoder may remove.
  size_t longest = 0;
  for (const std::string& s : stop_strings_) longest = std::max(longest, s.size());
  window_tokens_ = static_cast<int64_t>(longest) + 2;
}

std::optional<FinishReason> StopRules::token_stop(int32_t token) const {
  if (ignore_eos_) return std::nullopt;
  if (std::find(eos_ids_.begin(), eos_ids_.end(), token) != eos_ids_.end()) return FinishReason::eos;
  if (std::find(stop_token_ids_.begin(), stop_token_ids_.end(), token) != stop_token_ids_.end())
    return FinishReason::stop_token;
  return std::nullopt;
}

size_t find_first_stop(const std::string& text, const std::vector<std::string>& needles) {
  size_t first = std::string::npos;
  for (const std::string& s : needles) first = std::min(first, text.find(s));
  return first;
}

bool StopRules::stop_string_reached(const std::vector<int32_t>& generated) const {
  if (stop_strings_.empty() || generated.empty()) return false;
  // The tail window: back from the newest token until it holds window_tokens_ text-bearing tokens
  // (special tokens decode to nothing with skip_special, so they do not count).
  int64_t begin = static_cast<int64_t>(generated.size()), bearing = 0;
  while (begin > 0 && bearing < window_tokens_) {
    --begin;
    if (!tokenizer_.is_special(generated[begin])) ++bearing;
  }
  const std::vector<int32_t> tail(generated.begin() + begin, generated.end());
  if (find_first_stop(tokenizer_.decode(tail, true), stop_strings_) == std::string::npos) return false;
  // A window that starts inside a UTF-8 sequence or a cleanup pattern may read differently from the
  // whole text: the whole text decides (once per hit, so rarely).
  if (begin == 0) return true;
  return find_first_stop(tokenizer_.decode(generated, true), stop_strings_) != std::string::npos;
}

std::string StopRules::final_text(const std::vector<int32_t>& generated) const {
  std::string text = tokenizer_.decode(generated, true);
  const size_t cut = find_first_stop(text, stop_strings_);
  if (cut != std::string::npos) text.resize(cut);
  return text;
}

}  // namespace iwsi
