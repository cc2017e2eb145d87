// UTF-8 decoding/encoding and the Unicode character classes the tokenizer's hand-written matchers need
// (\p{L}, \p{N}, \s as White_Space, marks), backed by the generated tables in unicode_tables.cc.
// Invalid UTF-8 is not an error here: each bad byte decodes to a private "raw byte" value that encodes
// back to the same byte, so byte-level tokenizers still see exactly the bytes they were given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iwsi::unicode {

// Same order as CATEGORIES in scripts/gen_unicode_tables.py.
enum class GeneralCategory : uint8_t {
  Cn, Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe,
  Pi, Pf, Po, Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co,
};

// A byte that is not part of valid UTF-8 decodes to kRawByteBase + byte (outside Unicode's range).
constexpr char32_t kRawByteBase = 0x110000;

struct DecodedChar {
  char32_t code_point;
  size_t length;  // bytes consumed, >= 1
};

// Decodes the character starting at text[pos] (pos < text.size()).
DecodedChar decode_utf8(std::string_view text, size_t pos);
// Appends the UTF-8 form of `code_point` (or the raw byte for kRawByteBase + byte).
void append_utf8(std::string& out, char32_t code_point);
std::vector<char32_t> to_code_points(std::string_view text);
bool is_valid_utf8(std::string_view bytes);
// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes one U+FFFD.
std::string utf8_lossy(std::string_view bytes);
std::string to_utf8(const std::vector<char32_t>& code_points);

GeneralCategory category(char32_t code_point);
bool is_letter(char32_t code_point);      // \p{L}
bool is_number(char32_t code_point);      // \p{N}
bool is_mark(char32_t code_point);        // \p{M}
bool is_whitespace(char32_t code_point);  // the White_Space property (Oniguruma's and Rust's \s)
// Rust's char::is_alphanumeric, approximated as \p{L} or \p{N} (Other_Alphabetic is not tabled).
bool is_alphanumeric(char32_t code_point);
// \w of the `Whitespace` pre-tokenizer: letters, marks, decimal and letter numbers, connectors.
bool is_word_char(char32_t code_point);

// The Unicode version the tables were generated from.
const char* tables_version();

}  // namespace iwsi::unicode
