// The selection file (schema "iwsi.selection"), written by `iwsi filter` and read by `iwsi train`
// and `iwsi run`: the kept candidate rows of one strategy with their training weights and a
// summary. Columns and attributes are documented in docs/SCHEMA.md.
#pragma once

#include <cstdint>

namespace iwsi {

inline constexpr const char* kSelectionSchema = "iwsi.selection";
inline constexpr int64_t kSelectionVersion = 1;

}  // namespace iwsi
