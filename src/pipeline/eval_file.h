// The evaluation file (schema "iwsi.eval"), written by `iwsi eval`: one row per question of the
// evaluated split in /questions (greedy answer, extracted prediction, correctness), in question order
// whatever the rank count, and the accuracy with its counts as root attributes (set by the job).
// Columns are documented in docs/SCHEMA.md. No model and no generation here.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <vector>

#include "store/columns.h"
#include "store/ragged.h"

namespace iwsi {

inline constexpr const char* kEvalSchema = "iwsi.eval";
inline constexpr int64_t kEvalVersion = 1;

// This rank's questions (a contiguous run of the split).
struct EvalRows {
  std::vector<int64_t> question_index;  // position in the split
  TextColumn id;                        // the dataset's id
  TextColumn gold;                      // canonical gold answer
  TextColumn prediction;                // canonical extracted answer, "" when none
  std::vector<int8_t> correct;          // 1 when prediction equals gold (answers_equal)
  TextColumn text;                      // generated text, cut before the first stop string
  std::vector<int32_t> length;          // generated tokens
  std::vector<int8_t> finish_reason;    // FinishReason values (sample/params.h)

  int64_t rows() const { return static_cast<int64_t>(question_index.size()); }
  void append(const EvalRows& other);
};

void write_eval_rows(hid_t file, const EvalRows& rows);  // collective, every rank its own rows in rank order
EvalRows read_eval_rows(hid_t file, int64_t begin = 0, int64_t end = -1);  // per process

}  // namespace iwsi
