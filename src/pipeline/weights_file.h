// The weights file (schema "iwsi.weights"), written by `iwsi weigh`: for every row of a candidate
// file its loss under the base model and its DS weight (NaN for rows outside D_c, which are not
// scored), and the valid set's losses with their mean. Any k can be applied to it later without
// rescoring (`iwsi filter`). Columns are documented in docs/SCHEMA.md.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <vector>

#include "store/columns.h"
#include "store/ragged.h"

namespace iwsi {

inline constexpr const char* kWeightsSchema = "iwsi.weights";
inline constexpr int64_t kWeightsVersion = 1;

struct WeightRows {  // aligned with the candidate file's rows
  std::vector<double> loss, w_prime, w_ds;
};

struct ValidRows {
  TextColumn id;
  std::vector<double> loss;
};

void write_weight_rows(hid_t file, const WeightRows& rows);  // collective
void write_valid_rows(hid_t file, const ValidRows& rows);    // collective
WeightRows read_weight_rows(hid_t file, int64_t begin = 0, int64_t end = -1);
ValidRows read_valid_rows(hid_t file);

}  // namespace iwsi
