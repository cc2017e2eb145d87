#include "tokenizer/regex_pattern.h"

#include <oniguruma.h>

#include <mutex>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace iwsi {
namespace {

void initialize_oniguruma() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

std::string onig_message(int code, OnigErrorInfo* info = nullptr) {
  OnigUChar text[ONIG_MAX_ERROR_MESSAGE_LEN];
  if (info != nullptr) onig_error_code_to_str(text, code, info);
  else onig_error_code_to_str(text, code);
  return reinterpret_cast<const char*>(text);
}

std::string utf8_preview(std::string_view text) { return unicode::utf8_lossy(text.substr(0, 40)); }

size_t next_char(std::string_view text, size_t pos) {  // one UTF-8 character on
  ++pos;
  while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
  return pos;
}

}  // namespace

std::shared_ptr<const OnigurumaPattern> OnigurumaPattern::compile(const std::string& regex, std::string& error) {
  initialize_oniguruma();
  OnigRegex compiled = nullptr;
  OnigErrorInfo info;
  const auto* begin = reinterpret_cast<const OnigUChar*>(regex.data());
  const int code = onig_new(&compiled, begin, begin + regex.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8,
                            ONIG_SYNTAX_RUBY, &info);
  if (code != ONIG_NORMAL) {
    error = onig_message(code, &info);
    return nullptr;
  }
  std::shared_ptr<OnigurumaPattern> pattern(new OnigurumaPattern(compiled));
  pattern->source_ = regex;
  return pattern;
}

OnigurumaPattern::~OnigurumaPattern() { onig_free(static_cast<OnigRegex>(regex_)); }

std::vector<TextRange> OnigurumaPattern::find_all(std::string_view text) const {
  // Oniguruma assumes UTF-8 and would read a broken sequence as some other character; HF's tokenizers
  // only ever see valid text.
  IWSI_CHECK(unicode::is_valid_utf8(text), "tokenizer split regex ", source_.substr(0, 60),
             ": the text to split is not valid UTF-8 (\"", utf8_preview(text), "...\")");
  std::unique_ptr<OnigRegion, void (*)(OnigRegion*)> region(onig_region_new(),
                                                            [](OnigRegion* r) { onig_region_free(r, 1); });
  IWSI_CHECK(region != nullptr, "Oniguruma: out of memory");
  const auto* str = reinterpret_cast<const OnigUChar*>(text.data());
  const OnigUChar* end = str + text.size();
  std::vector<TextRange> matches;
  size_t start = 0;
  while (start <= text.size()) {
    const int at =
        onig_search(static_cast<OnigRegex>(regex_), str, end, str + start, end, region.get(), ONIG_OPTION_NONE);
    if (at == ONIG_MISMATCH) break;
    IWSI_CHECK(at >= 0, "tokenizer split regex ", source_.substr(0, 60), ": ", onig_message(at));
    const size_t b = static_cast<size_t>(region->beg[0]), e = static_cast<size_t>(region->end[0]);
    if (e > b) {
      matches.push_back({b, e});
      start = e;
    } else {
      if (b >= text.size()) break;
      start = next_char(text, b);
    }
  }
  return matches;
}

}  // namespace iwsi
