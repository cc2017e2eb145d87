// NFC over the generated decomposition/composition tables, following UAX #15: decompose fully,
// sort each run of non-starters by combining class (stable), then compose greedily left to right.
// Hangul syllables are decomposed and composed arithmetically, so the tables leave them out.
// Pure-ASCII input is returned as is: it is already in every normalization form.
#include "tokenizer/nfc.h"

#include <algorithm>
#include <vector>

#include "tokenizer/unicode.h"
#include "tokenizer/unicode_tables.h"

namespace iwsi::unicode {
namespace {

// Hangul syllable arithmetic (Unicode chapter 3.12).
constexpr char32_t kHangulS = 0xAC00, kHangulL = 0x1100, kHangulV = 0x1161, kHangulT = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount;
constexpr char32_t kHangulSCount = kHangulLCount * kHangulNCount;

uint8_t combining_class(char32_t cp) {
  using unicode_tables::kCombiningClasses;
  if (cp < 0x300) return 0;
  const auto* end = kCombiningClasses + unicode_tables::kCombiningClassCount;
  const auto* it = std::lower_bound(kCombiningClasses, end, cp,
                                    [](const unicode_tables::CombiningClass& entry, char32_t value) {
                                      return entry.code_point < value;
                                    });
  return (it != end && it->code_point == cp) ? it->ccc : 0;
}

const unicode_tables::Decomposition* find_decomposition(char32_t cp) {
  using unicode_tables::kDecompositions;
  const auto* end = kDecompositions + unicode_tables::kDecompositionCount;
  const auto* it = std::lower_bound(kDecompositions, end, cp,
                                    [](const unicode_tables::Decomposition& entry, char32_t value) {
                                      return entry.code_point < value;
                                    });
  return (it != end && it->code_point == cp) ? it : nullptr;
}

void decompose_into(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kHangulS && cp < kHangulS + kHangulSCount) {
    const char32_t index = cp - kHangulS;
    out.push_back(kHangulL + index / kHangulNCount);
    out.push_back(kHangulV + (index % kHangulNCount) / kHangulTCount);
    if (index % kHangulTCount != 0) out.push_back(kHangulT + index % kHangulTCount);
    return;
  }
  const auto* mapping = cp < 0xC0 ? nullptr : find_decomposition(cp);
  if (mapping == nullptr) {
    out.push_back(cp);
    return;
  }
  decompose_into(mapping->first, out);
  if (mapping->second != 0) decompose_into(mapping->second, out);
}

// Stable insertion sort of every run of non-starters by combining class.
void reorder_marks(std::vector<char32_t>& text) {
  for (size_t i = 1; i < text.size(); ++i) {
    const uint8_t ccc = combining_class(text[i]);
    if (ccc == 0) continue;
    size_t j = i;
    while (j > 0 && combining_class(text[j - 1]) > ccc) {
      std::swap(text[j], text[j - 1]);
      --j;
    }
  }
}

// The primary composite of (first, second), or 0 when the pair does not compose.
char32_t compose_pair(char32_t first, char32_t second) {
  if (first >= kHangulL && first < kHangulL + kHangulLCount && second >= kHangulV &&
      second < kHangulV + kHangulVCount) {
    return kHangulS + ((first - kHangulL) * kHangulVCount + (second - kHangulV)) * kHangulTCount;
  }
  if (first >= kHangulS && first < kHangulS + kHangulSCount && (first - kHangulS) % kHangulTCount == 0 &&
      second > kHangulT && second < kHangulT + kHangulTCount) {
    return first + (second - kHangulT);
  }
  using unicode_tables::kCompositions;
  const auto* end = kCompositions + unicode_tables::kCompositionCount;
  const auto* it = std::lower_bound(kCompositions, end, std::make_pair(first, second),
                                    [](const unicode_tables::Composition& entry,
                                       const std::pair<char32_t, char32_t>& key) {
                                      return std::make_pair(static_cast<char32_t>(entry.first), static_cast<char32_t>(entry.second)) < key;
                                    });
  return (it != end && it->first == first && it->second == second) ? it->composite : 0;
}

// Canonical composition in place (UAX #15's reference algorithm).
void compose(std::vector<char32_t>& text) {
  if (text.empty()) return;
  size_t starter = 0;
  int last_class = combining_class(text[0]) == 0 ? 0 : 256;  // a leading mark can never compose
  size_t write = 1;
  for (size_t read = 1; read < text.size(); ++read) {
    const char32_t cp = text[read];
    const int cls = combining_class(cp);
    const char32_t composite = last_class == 256 ? 0 : compose_pair(text[starter], cp);
    if (composite != 0 && (last_class < cls || last_class == 0)) {
      text[starter] = composite;
      continue;
    }
    if (cls == 0) starter = write;
    last_class = cls;
    text[write++] = cp;
  }
  text.resize(write);
}

}  // namespace

std::string nfc(std::string_view text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii) return std::string(text);
  std::vector<char32_t> decomposed;
  decomposed.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const DecodedChar c = decode_utf8(text, pos);
    decompose_into(c.code_point, decomposed);
    pos += c.length;
  }
  reorder_marks(decomposed);
  compose(decomposed);
  return to_utf8(decomposed);
}

}  // namespace iwsi::unicode
