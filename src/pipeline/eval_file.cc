#include "pipeline/eval_file.h"

#include "core/error.h"
#include "store/attributes.h"
#include "store/h5.h"

namespace iwsi {

void EvalRows::append(const EvalRows& other) {
  question_index.insert(question_index.end(), other.question_index.begin(), other.question_index.end());
  id.append(other.id);
  gold.append(other.gold);
  prediction.append(other.prediction);
  correct.insert(correct.end(), other.correct.begin(), other.correct.end());
  text.append(other.text);
  length.insert(length.end(), other.length.begin(), other.length.end());
  finish_reason.insert(finish_reason.end(), other.finish_reason.begin(), other.finish_reason.end());
}

void write_eval_rows(hid_t file, const EvalRows& rows) {
  H5Id table = h5_group(create_table(file, "questions"), "questions");
  write_column(table, "question_index", rows.question_index);
  write_ragged_column(table, "id", rows.id);
  write_ragged_column(table, "gold", rows.gold);
  write_ragged_column(table, "prediction", rows.prediction);
  write_column(table, "correct", rows.correct);
  write_ragged_column(table, "text", rows.text);
  write_column(table, "length", rows.length);
  write_column(table, "finish_reason", rows.finish_reason);
  H5Id column = h5_dataset(H5Dopen2(table, "finish_reason", H5P_DEFAULT), "questions/finish_reason");
  set_attribute(column, "names", "0=eos,1=stop_token,2=stop_string,3=length");
}

EvalRows read_eval_rows(hid_t file, int64_t begin, int64_t end) {
  H5Id table = open_table(file, "questions");
  EvalRows rows;
  rows.question_index = read_column<int64_t>(table, "question_index", begin, end);
  rows.id = read_ragged_column<char>(table, "id", begin, end);
  rows.gold = read_ragged_column<char>(table, "gold", begin, end);
  rows.prediction = read_ragged_column<char>(table, "prediction", begin, end);
  rows.correct = read_column<int8_t>(table, "correct", begin, end);
  rows.text = read_ragged_column<char>(table, "text", begin, end);
  rows.length = read_column<int32_t>(table, "length", begin, end);
  rows.finish_reason = read_column<int8_t>(table, "finish_reason", begin, end);
  return rows;
}

}  // namespace iwsi
