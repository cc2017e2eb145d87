// The known split regexes as data (Shape) plus one matcher that follows their common alternation:
//   contractions | letters | digits | symbols | newline runs | \s+(?!\S) | \s+
// Every alternative is resolved the way a backtracking engine would: the first alternative that can
// match at the position wins, greedy runs take as much as they can and give back only what a later
// part of the same alternative needs (the (?!\S) look-ahead and the [\r\n]+ tail).
#include "tokenizer/split_patterns.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace iwsi {
namespace {

// The patterns exactly as they appear in tokenizer.json (after JSON unescaping).
constexpr const char* kGpt2Regex =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)re";
constexpr const char* kLlama3Regex =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr const char* kQwen2Regex =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

const SplitPattern::Shape kGpt2Shape{"GPT-2 (ByteLevel default)", false, false, true, 0, false, false};
const SplitPattern::Shape kLlama3Shape{"Llama-3", true, true, false, 3, true, true};
const SplitPattern::Shape kQwen2Shape{"Qwen2/Qwen3", true, true, false, 1, true, true};

enum CharClass : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kSpace = 4 };

// The text decoded once, with the classes every alternative asks about.
struct Chars {
  std::vector<char32_t> code_points;
  std::vector<uint8_t> classes;
  std::vector<size_t> offsets;  // byte offset of each character, plus the text size at the end

  explicit Chars(std::string_view text) {
    for (size_t pos = 0; pos < text.size();) {
      const unicode::DecodedChar c = unicode::decode_utf8(text, pos);
      code_points.push_back(c.code_point);
      offsets.push_back(pos);
      classes.push_back(unicode::is_letter(c.code_point)       ? kLetter
                        : unicode::is_number(c.code_point)     ? kNumber
                        : unicode::is_whitespace(c.code_point) ? kSpace
                                                               : kOther);
      pos += c.length;
    }
    offsets.push_back(text.size());
  }
  size_t size() const { return code_points.size(); }
  bool is(size_t i, CharClass c) const { return i < size() && classes[i] == c; }
  bool is_newline(size_t i) const { return i < size() && (code_points[i] == '\r' || code_points[i] == '\n'); }
  bool is_space_char(size_t i) const { return i < size() && code_points[i] == ' '; }
  // Length of the run of class `c` starting at i.
  size_t run(size_t i, CharClass c) const {
    size_t j = i;
    while (is(j, c)) ++j;
    return j - i;
  }
};

class Matcher {
 public:
  Matcher(const Chars& chars, const SplitPattern::Shape& shape) : s_(chars), shape_(shape) {}

  // Length in characters of the match at i, 0 when no alternative matches there.
  size_t match_at(size_t i) const {
    if (size_t n = contraction(i)) return n;
    if (size_t n = letters(i)) return n;
    if (size_t n = digits(i)) return n;
    if (size_t n = symbols(i)) return n;
    if (size_t n = newline_run(i)) return n;
    return spaces(i);
  }

 private:
  bool letter_is(size_t i, char lower) const {
    if (i >= s_.size()) return false;
    const char32_t c = s_.code_points[i];
    if (c == static_cast<char32_t>(lower)) return true;
    if (!shape_.contractions_ignore_case) return false;
    // Oniguruma's (?i) folds U+017F LATIN SMALL LETTER LONG S to 's'.
    return c == static_cast<char32_t>(lower - 'a' + 'A') || (lower == 's' && c == 0x17F);
  }

  // 's|'t|'re|'ve|'m|'ll|'d  (no alternative is a prefix of another, so their order is irrelevant)
  size_t contraction(size_t i) const {
    if (s_.code_points[i] != '\'') return 0;
    for (char one : {'s', 't', 'm', 'd'}) {
      if (letter_is(i + 1, one)) return 2;
    }
    const char two[][2] = {{'r', 'e'}, {'v', 'e'}, {'l', 'l'}};
    for (const auto& pair : two) {
      if (letter_is(i + 1, pair[0]) && letter_is(i + 2, pair[1])) return 3;
    }
    return 0;
  }

  // Either [^\r\n\p{L}\p{N}]?\p{L}+  or  ' ?\p{L}+'.
  size_t letters(size_t i) const {
    const bool prefix = shape_.letters_after_any_symbol
                            ? (!s_.is(i, kLetter) && !s_.is(i, kNumber) && !s_.is_newline(i))
                            : s_.is_space_char(i);
    if (prefix && s_.is(i + 1, kLetter)) return 1 + s_.run(i + 1, kLetter);
    return s_.run(i, kLetter);
  }

  // Either ' ?\p{N}+'  or  \p{N}{1,max}.
  size_t digits(size_t i) const {
    if (shape_.digits_after_space) {
      if (s_.is_space_char(i) && s_.is(i + 1, kNumber)) return 1 + s_.run(i + 1, kNumber);
      return s_.run(i, kNumber);
    }
    const size_t run = s_.run(i, kNumber);
    return shape_.max_digits == 0 ? run : std::min(run, shape_.max_digits);
  }

  // ' ?[^\s\p{L}\p{N}]+' optionally followed by [\r\n]*.
  size_t symbols(size_t i) const {
    size_t start = i;
    if (s_.is_space_char(i) && s_.is(i + 1, kOther)) start = i + 1;
    const size_t run = s_.run(start, kOther);
    if (run == 0) return 0;
    size_t end = start + run;
    if (shape_.symbols_take_newlines) {
      while (s_.is_newline(end)) ++end;
    }
    return end - i;
  }

  // \s*[\r\n]+ : the whitespace run up to and including its last \r or \n.
  size_t newline_run(size_t i) const {
    if (!shape_.newline_run) return 0;
    const size_t run = s_.run(i, kSpace);
    for (size_t k = run; k > 0; --k) {
      if (s_.is_newline(i + k - 1)) return k;
    }
    return 0;
  }

  // \s+(?!\S)|\s+ : a whitespace run leaves its last character to the next word unless it ends the
  // text or is a single character.
  size_t spaces(size_t i) const {
    const size_t run = s_.run(i, kSpace);
    if (run == 0) return 0;
    if (i + run == s_.size() || run == 1) return run;
    return run - 1;
  }

  const Chars& s_;
  const SplitPattern::Shape& shape_;
};

}  // namespace

std::optional<SplitPattern> SplitPattern::recognize(std::string_view regex) {
  if (regex == kGpt2Regex) return SplitPattern(kGpt2Shape);
  if (regex == kLlama3Regex) return SplitPattern(kLlama3Shape);
  if (regex == kQwen2Regex) return SplitPattern(kQwen2Shape);
  return std::nullopt;
}

SplitPattern SplitPattern::gpt2() { return SplitPattern(kGpt2Shape); }

std::string SplitPattern::known_names() {
  return std::string(kGpt2Shape.name) + ", " + kLlama3Shape.name + ", " + kQwen2Shape.name;
}

std::vector<TextRange> SplitPattern::find_all(std::string_view text) const {
  const Chars chars(text);
  const Matcher matcher(chars, shape_);
  std::vector<TextRange> matches;
  for (size_t i = 0; i < chars.size();) {
    const size_t length = matcher.match_at(i);
    if (length == 0) {
      ++i;
      continue;
    }
    matches.push_back({chars.offsets[i], chars.offsets[i + length]});
    i += length;
  }
  return matches;
}

}  // namespace iwsi
