#include "pipeline/candidates_file.h"

#include "core/error.h"
#include "store/attributes.h"
#include "store/h5.h"

namespace iwsi {
namespace {

template <class T>
void extend(std::vector<T>& into, const std::vector<T>& from) {
  into.insert(into.end(), from.begin(), from.end());
}

// Opens /name, creating it (collectively, unless one rank writes alone) when missing.
H5Id table_for_writing(hid_t file, const char* name) {
  return has_column(file, name) ? open_table(file, name) : h5_group(create_table(file, name), name);
}

}  // namespace

void QuestionRows::append(const QuestionRows& other) {
  extend(question_index, other.question_index);
  id.append(other.id);
  prompt.append(other.prompt);
  prompt_ids.append(other.prompt_ids);
}

void CandidateRows::append(const Sample& sample, int64_t global_question_index) {
  question_index.push_back(global_question_index);
  sample_index.push_back(static_cast<int32_t>(sample.sample_index));
  token_ids.push_back(sample.token_ids);
  push_text(text, sample.text);
  sum_logprob.push_back(sample.sum_logprob);
  length.push_back(static_cast<int32_t>(sample.length));
  finish_reason.push_back(static_cast<int8_t>(sample.finish));
}

void CandidateRows::append(const CandidateRows& other) {
  extend(question_index, other.question_index);
  extend(sample_index, other.sample_index);
  token_ids.append(other.token_ids);
  text.append(other.text);
  extend(sum_logprob, other.sum_logprob);
  extend(length, other.length);
  extend(finish_reason, other.finish_reason);
}

void VoteRows::append(const VoteRows& other) {
  gold.append(other.gold);
  majority.append(other.majority);
  extend(majority_count, other.majority_count);
  extend(parsed_count, other.parsed_count);
  extend(entropy, other.entropy);
  extend(vote_share, other.vote_share);
}

void AnswerRows::append(const AnswerRows& other) {
  answer.append(other.answer);
  extend(parsed, other.parsed);
  extend(consistent, other.consistent);
  extend(correct, other.correct);
}

void write_question_rows(hid_t file, const QuestionRows& rows, Writers writers) {
  H5Id table = table_for_writing(file, "questions");
  write_column(table, "question_index", rows.question_index, writers);
  write_ragged_column(table, "id", rows.id, writers);
  write_ragged_column(table, "prompt", rows.prompt, writers);
  write_ragged_column(table, "prompt_ids", rows.prompt_ids, writers);
}

void write_candidate_rows(hid_t file, const CandidateRows& rows, Writers writers) {
  H5Id table = table_for_writing(file, "candidates");
  write_column(table, "question_index", rows.question_index, writers);
  write_column(table, "sample_index", rows.sample_index, writers);
  write_ragged_column(table, "token_ids", rows.token_ids, writers);
  write_ragged_column(table, "text", rows.text, writers);
  write_column(table, "sum_logprob", rows.sum_logprob, writers);
  write_column(table, "length", rows.length, writers);
  write_column(table, "finish_reason", rows.finish_reason, writers);
  H5Id column = h5_dataset(H5Dopen2(table, "finish_reason", H5P_DEFAULT), "candidates/finish_reason");
  set_attribute(column, "names", "0=eos,1=stop_token,2=stop_string,3=length");
}

void write_vote_rows(hid_t file, const VoteRows& rows, Writers writers) {
  H5Id table = table_for_writing(file, "questions");
  write_ragged_column(table, "gold", rows.gold, writers);
  write_ragged_column(table, "majority", rows.majority, writers);
  write_column(table, "majority_count", rows.majority_count, writers);
  write_column(table, "parsed_count", rows.parsed_count, writers);
  write_column(table, "entropy", rows.entropy, writers);
  write_column(table, "vote_share", rows.vote_share, writers);
}

void write_answer_rows(hid_t file, const AnswerRows& rows, Writers writers) {
  H5Id table = table_for_writing(file, "candidates");
  write_ragged_column(table, "answer", rows.answer, writers);
  write_column(table, "parsed", rows.parsed, writers);
  write_column(table, "consistent", rows.consistent, writers);
  write_column(table, "correct", rows.correct, writers);
}

QuestionRows read_question_rows(hid_t file, int64_t begin, int64_t end) {
  H5Id table = open_table(file, "questions");
  QuestionRows rows;
  rows.question_index = read_column<int64_t>(table, "question_index", begin, end);
  rows.id = read_ragged_column<char>(table, "id", begin, end);
  rows.prompt = read_ragged_column<char>(table, "prompt", begin, end);
  rows.prompt_ids = read_ragged_column<int32_t>(table, "prompt_ids", begin, end);
  return rows;
}

CandidateRows read_candidate_rows(hid_t file, int64_t begin, int64_t end) {
  H5Id table = open_table(file, "candidates");
  CandidateRows rows;
  rows.question_index = read_column<int64_t>(table, "question_index", begin, end);
  rows.sample_index = read_column<int32_t>(table, "sample_index", begin, end);
  rows.token_ids = read_ragged_column<int32_t>(table, "token_ids", begin, end);
  rows.text = read_ragged_column<char>(table, "text", begin, end);
  rows.sum_logprob = read_column<double>(table, "sum_logprob", begin, end);
  rows.length = read_column<int32_t>(table, "length", begin, end);
  rows.finish_reason = read_column<int8_t>(table, "finish_reason", begin, end);
  return rows;
}

VoteRows read_vote_rows(hid_t file, int64_t begin, int64_t end) {
  H5Id table = open_table(file, "questions");
  VoteRows rows;
  rows.gold = read_ragged_column<char>(table, "gold", begin, end);
  rows.majority = read_ragged_column<char>(table, "majority", begin, end);
  rows.majority_count = read_column<int32_t>(table, "majority_count", begin, end);
  rows.parsed_count = read_column<int32_t>(table, "parsed_count", begin, end);
  rows.entropy = read_column<double>(table, "entropy", begin, end);
  rows.vote_share = read_column<double>(table, "vote_share", begin, end);
  return rows;
}

AnswerRows read_answer_rows(hid_t file, int64_t begin, int64_t end) {
  H5Id table = open_table(file, "candidates");
  AnswerRows rows;
  rows.answer = read_ragged_column<char>(table, "answer", begin, end);
  rows.parsed = read_column<int8_t>(table, "parsed", begin, end);
  rows.consistent = read_column<int8_t>(table, "consistent", begin, end);
  rows.correct = read_column<int8_t>(table, "correct", begin, end);
  return rows;
}

int64_t question_count(hid_t file) {
  H5Id table = open_table(file, "questions");
  return column_rows(table, "question_index");
}

int64_t candidate_count(hid_t file) {
  H5Id table = open_table(file, "candidates");
  return column_rows(table, "question_index");
}

}  // namespace iwsi
