// The candidate file (schema "iwsi.candidates"): what `iwsi decode` and `iwsi generate` write and
// `iwsi weigh` / `iwsi filter` read. One row per question in /questions, one row per sample in
// /candidates, both in global order (question index, then sample index) whatever the rank count.
// Column meanings are documented in docs/SCHEMA.md. Generation-specific columns (answers, votes)
// are added by the generate job next to these.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sample/engine.h"
#include "store/columns.h"
#include "store/ragged.h"

namespace iwsi {

inline constexpr const char* kCandidatesSchema = "iwsi.candidates";
inline constexpr int64_t kCandidatesVersion = 1;

// This rank's questions (a contiguous run of the global order).
struct QuestionRows {
  std::vector<int64_t> question_index;  // global
  TextColumn id;                        // the input's id
  TextColumn prompt;                    // prompt text as given to the model (generate: the question alone)
  Ragged<int32_t> prompt_ids;

  void append(const QuestionRows& other);
};

// This rank's candidates.
struct CandidateRows {
  std::vector<int64_t> question_index;
  std::vector<int32_t> sample_index;
  Ragged<int32_t> token_ids;
  TextColumn text;
  std::vector<double> sum_logprob;
  std::vector<int32_t> length;
  std::vector<int8_t> finish_reason;  // FinishReason values; names in the column's attribute

  int64_t rows() const { return static_cast<int64_t>(question_index.size()); }
  void append(const Sample& sample, int64_t global_question_index);
  void append(const CandidateRows& other);
};

// What `iwsi generate` adds per question: gold answer and self-consistency vote.
struct VoteRows {
  TextColumn gold;                 // canonical gold answer ("" when the pool has no labels)
  TextColumn majority;             // majority answer, "" when no sample parsed
  std::vector<int32_t> majority_count, parsed_count;
  std::vector<double> entropy;     // normalized answer entropy u / log(m)
  std::vector<double> vote_share;  // majority_count / m

  void append(const VoteRows& other);
};

// What `iwsi generate` adds per candidate: the extracted answer and where it stands.
struct AnswerRows {
  TextColumn answer;                 // canonical answer, "" when unparsable
  std::vector<int8_t> parsed;        // 1 when an answer was extracted
  std::vector<int8_t> consistent;    // 1 when in D_c (equals the question's majority answer)
  std::vector<int8_t> correct;       // 1 / 0 against the gold answer, -1 when there is no gold

  void append(const AnswerRows& other);
};

// Write into /questions and /candidates of `file`: collectively (every rank its own rows, in rank
// order), or by this rank alone (the per-chunk files of a resumable job).
void write_question_rows(hid_t file, const QuestionRows& rows, Writers writers = Writers::all_ranks);
void write_candidate_rows(hid_t file, const CandidateRows& rows, Writers writers = Writers::all_ranks);
void write_vote_rows(hid_t file, const VoteRows& rows, Writers writers = Writers::all_ranks);
void write_answer_rows(hid_t file, const AnswerRows& rows, Writers writers = Writers::all_ranks);

// Per process, any row range (end = -1: to the end).
QuestionRows read_question_rows(hid_t file, int64_t begin = 0, int64_t end = -1);
CandidateRows read_candidate_rows(hid_t file, int64_t begin = 0, int64_t end = -1);
VoteRows read_vote_rows(hid_t file, int64_t begin = 0, int64_t end = -1);
AnswerRows read_answer_rows(hid_t file, int64_t begin = 0, int64_t end = -1);
int64_t question_count(hid_t file);
int64_t candidate_count(hid_t file);

}  // namespace iwsi
