// The selection file (schema "iwsi.selection"), written by `iwsi filter` and read by `iwsi train`,
// `iwsi run` and `iwsi plan`: the kept candidate rows of one strategy with their training weights
// and a summary. This module is the only code that writes or reads it; columns and attributes are
// documented in docs/SCHEMA.md.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "select/strategy.h"

namespace iwsi {

inline constexpr const char* kSelectionSchema = "iwsi.selection";
inline constexpr int64_t kSelectionVersion = 1;

struct KeptRows {  // one entry per kept sample, in the selection's (question, sample) order
  std::vector<int64_t> row;  // index into the candidate file's rows
  std::vector<int64_t> question_index, sample_index;
  std::vector<double> weight;  // training loss weight, finite and >= 0
  std::vector<double> w_ds;    // the DS weight (NaN without one)
};

struct SelectionHeader {
  std::string strategy;
  double k = 0;
  std::string candidates_file;  // the path filter read, as given
};

// Collective: `mine` is this rank's contiguous share of the kept rows (in order); the summary the
// same on every rank.
void write_selection(hid_t file, const SelectionHeader& header, const KeptRows& mine, const SelectionSummary& summary);

// Every kept row of a complete selection file, checked: equal column lengths, weights finite and
// >= 0, rows distinct and non-negative (errors name the file and the row).
KeptRows read_kept_rows(const std::string& path);

// The number of samples a complete selection file keeps (its `kept` attribute).
int64_t selection_kept(const std::string& path);

}  // namespace iwsi
