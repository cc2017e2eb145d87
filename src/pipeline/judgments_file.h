// The judgments file (schema "iwsi.judgments"), written by `iwsi judge`: for every row of a
// candidate file the base model's own 0-10 rating of it (NaN outside D_c, which is not judged),
// read by `iwsi filter --strategy self`. Columns are documented in docs/SCHEMA.md.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <vector>

#include "store/ragged.h"

namespace iwsi {

inline constexpr const char* kJudgmentsSchema = "iwsi.judgments";
inline constexpr int64_t kJudgmentsVersion = 1;

void write_self_scores(hid_t file, const std::vector<double>& self_score);  // collective; this rank's rows
// judge.method = generated: the sampled rating texts the scores were read from (empty outside D_c).
void write_rating_texts(hid_t file, const TextColumn& rating_text);          // collective; this rank's rows
std::vector<double> read_self_scores(hid_t file);                           // every row

}  // namespace iwsi
