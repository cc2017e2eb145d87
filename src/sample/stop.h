// When a sample ends, apart from max_new_tokens: an EOS id or stop token id (unless ignore_eos), or a
// stop string in the decoded text. Stop strings are checked on a short tail window of tokens each
// step (cheap), confirmed on the full decoded text (exact: byte-fallback runs and the tokenizer's
// strip/cleanup decoders only ever apply to whole texts), and the final text is cut before the first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sample/params.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {

class StopRules {
 public:
  StopRules(const SamplingParams& params, const Tokenizer& tokenizer);

  // eos (an eos id) or stop_token (a stop token id that is not an eos id); nothing with ignore_eos.
  std::optional<FinishReason> token_stop(int32_t token) const;
  bool has_stop_strings() const { return !stop_strings_.empty(); }
  // Whether the generated ids so far (newest last) contain a stop string in their decoded text.
  // Meant to be called after every token, so a stop is found at the token that completes it.
  bool stop_string_reached(const std::vector<int32_t>& generated) const;
  // decode(generated, skip_special) cut before the first occurrence of any stop string.
  std::string final_text(const std::vector<int32_t>& generated) const;

 private:
  const Tokenizer& tokenizer_;
  std::vector<int32_t> eos_ids_, stop_token_ids_;
  std::vector<std::string> stop_strings_;
  bool ignore_eos_ = false;
  int64_t window_tokens_ = 0;  // text-bearing tokens in the tail window
};

// The position of the first occurrence of any of `needles` in `text`, or npos.
size_t find_first_stop(const std::string& text, const std::vector<std::string>& needles);

}  // namespace iwsi
