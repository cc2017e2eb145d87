// Split regexes that split_patterns.h has no hand-written matcher for, run by Oniguruma: the regex
// engine Hugging Face `tokenizers` itself compiles `Split` patterns with (Ruby syntax, UTF-8), so any
// tokenizer.json pattern matches here as it does there. The hand-written matchers stay first for the
// patterns they know (faster, parity-tested); this is everything else (GPT-4o, DeepSeek, ...).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/split_patterns.h"

namespace iwsi {

class OnigurumaPattern {
 public:
  // Compiles `regex`; on a pattern Oniguruma refuses, returns null and sets `error` to its message.
  static std::shared_ptr<const OnigurumaPattern> compile(const std::string& regex, std::string& error);
  ~OnigurumaPattern();
  OnigurumaPattern(const OnigurumaPattern&) = delete;
  OnigurumaPattern& operator=(const OnigurumaPattern&) = delete;

  // All non-empty, non-overlapping matches in `text`, left to right (as HF's find_matches: after an
  // empty match the search moves on by one character). Throws iwsi::Error on text that is not UTF-8.
  // A compiled pattern is only read by a search, so one may be used from several threads.
  std::vector<TextRange> find_all(std::string_view text) const;

 private:
  explicit OnigurumaPattern(void* regex) : regex_(regex) {}
  void* regex_;  // OnigRegex; kept opaque so oniguruma.h stays out of the other files
  std::string source_;
};

}  // namespace iwsi
