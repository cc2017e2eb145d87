// Declarations of the generated Unicode data in unicode_tables.cc (scripts/gen_unicode_tables.py).
// Plain sorted arrays, searched with std::upper_bound/lower_bound by unicode.cc and nfc.cc.
// Internal to src/tokenizer/; nothing outside the tokenizer should include this.
#pragma once

#include <cstddef>
#include <cstdint>

namespace iwsi::unicode_tables {

// The category (an index into unicode::GeneralCategory) holds from `first` to the next range's first.
struct CategoryRange {
  uint32_t first;
  uint8_t category;
};
struct CombiningClass {
  uint32_t code_point;
  uint8_t ccc;
};
// Canonical decomposition of `code_point`: `first` alone when `second` is 0.
struct Decomposition {
  uint32_t code_point;
  uint32_t first;
  uint32_t second;
};
// Primary composite: first + second -> composite, sorted by (first, second).
struct Composition {
  uint32_t first;
  uint32_t second;
  uint32_t composite;
};

extern const char* const kUnicodeVersion;
extern const CategoryRange kCategoryRanges[];
extern const size_t kCategoryRangeCount;
extern const CombiningClass kCombiningClasses[];
extern const size_t kCombiningClassCount;
extern const Decomposition kDecompositions[];
extern const size_t kDecompositionCount;
extern const Composition kCompositions[];
extern const size_t kCompositionCount;

}  // namespace iwsi::unicode_tables
