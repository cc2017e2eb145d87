// UTF-8 coding and character-class lookups over the generated category table.
// ASCII is answered without touching the tables, since tokenized text is mostly ASCII.
// White_Space is a fixed list of 25 code points, stable since Unicode 6.3, so it is spelled out here
// rather than generated (Python's str.isspace is a different set).
#include "tokenizer/unicode.h"

#include <algorithm>

#include "tokenizer/unicode_tables.h"

namespace iwsi::unicode {
namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

DecodedChar raw_byte(unsigned char byte) { return {kRawByteBase + byte, 1}; }

// Length of the maximal subpart of an ill-formed sequence at text[pos] (Unicode 3.9, table 3-7):
// the lead byte plus the continuation bytes that could still have begun a valid character.
size_t invalid_prefix_length(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t needed = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) needed = 1;
  else if (lead >= 0xE0 && lead <= 0xEF) needed = 2, low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
  else if (lead >= 0xF0 && lead <= 0xF4) needed = 3, low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
  size_t length = 1;
  while (length <= needed && pos + length < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos + length]);
    const bool ok = length == 1 ? (byte >= low && byte <= high) : is_continuation(byte);
    if (!ok) break;
    ++length;
  }
  return length;
}

}  // namespace

DecodedChar decode_utf8(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {lead, 1};
  size_t length = 0;
  char32_t code_point = 0;
  char32_t minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return raw_byte(lead);
  }
  if (pos + length > text.size()) return raw_byte(lead);
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(byte)) return raw_byte(lead);
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
  if (code_point < minimum || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return raw_byte(lead);
  }
  return {code_point, length};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp >= kRawByteBase) {
    out.push_back(static_cast<char>(cp - kRawByteBase));
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::vector<char32_t> to_code_points(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const DecodedChar c = decode_utf8(text, pos);
    out.push_back(c.code_point);
    pos += c.length;
  }
  return out;
}

std::string to_utf8(const std::vector<char32_t>& code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t cp : code_points) append_utf8(out, cp);
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  for (size_t pos = 0; pos < bytes.size();) {
    const DecodedChar c = decode_utf8(bytes, pos);
    if (c.code_point >= kRawByteBase) return false;
    pos += c.length;
  }
  return true;
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    const DecodedChar c = decode_utf8(bytes, pos);
    if (c.code_point < kRawByteBase) {
      out.append(bytes.substr(pos, c.length));
      pos += c.length;
      continue;
    }
    pos += invalid_prefix_length(bytes, pos);
    out += "\xEF\xBF\xBD";  // U+FFFD
  }
  return out;
}

GeneralCategory category(char32_t cp) {
  using unicode_tables::kCategoryRanges;
  if (cp > 0x10FFFF) return GeneralCategory::Cn;
  const auto* end = kCategoryRanges + unicode_tables::kCategoryRangeCount;
  const auto* after = std::upper_bound(kCategoryRanges, end, cp,
                                       [](char32_t value, const unicode_tables::CategoryRange& range) {
                                         return value < range.first;
                                       });
  return static_cast<GeneralCategory>((after - 1)->category);
}

bool is_letter(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  const auto c = category(cp);
  return c >= GeneralCategory::Lu && c <= GeneralCategory::Lo;
}

bool is_number(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  const auto c = category(cp);
  return c >= GeneralCategory::Nd && c <= GeneralCategory::No;
}

bool is_mark(char32_t cp) {
  if (cp < 0x80) return false;
  const auto c = category(cp);
  return c >= GeneralCategory::Mn && c <= GeneralCategory::Me;
}

bool is_whitespace(char32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_alphanumeric(char32_t cp) { return is_letter(cp) || is_number(cp); }

bool is_word_char(char32_t cp) {
  if (cp < 0x80) return is_letter(cp) || is_number(cp) || cp == '_';
  const auto c = category(cp);
  return (c >= GeneralCategory::Lu && c <= GeneralCategory::Nl) || c == GeneralCategory::Pc;
}

const char* tables_version() { return unicode_tables::kUnicodeVersion; }

}  // namespace iwsi::unicode
