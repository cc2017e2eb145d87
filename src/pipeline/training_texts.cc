#include "pipeline/training_texts.h"

#include <cmath>

#include "core/error.h"
#include "data/example.h"
#include "data/json_records.h"
#include "data/prompt.h"
#include "data/rationale.h"
#include "data/text.h"
#include "pipeline/candidates_file.h"
#include "pipeline/selection_file.h"
#include "store/columns.h"
#include "store/h5.h"
#include "store/output_file.h"

namespace iwsi {

std::vector<TrainingText> selected_candidate_texts(const std::string& candidates_path,
                                                   const std::string& selection_path) {
  H5Id selection_file = open_output_for_read(selection_path, kSelectionSchema, kSelectionVersion);
  H5Id kept = open_table(selection_file, "kept");
  const std::vector<int64_t> rows = read_column<int64_t>(kept, "row");
  const std::vector<int64_t> kept_questions = read_column<int64_t>(kept, "question_index");
  const std::vector<int64_t> kept_samples = read_column<int64_t>(kept, "sample_index");
  const std::vector<double> weights = read_column<double>(kept, "weight");

  H5Id candidates_file = open_output_for_read(candidates_path, kCandidatesSchema, kCandidatesVersion);
  H5Id candidates = open_table(candidates_file, "candidates");
  H5Id questions = open_table(candidates_file, "questions");
  const std::vector<int64_t> question_of = read_column<int64_t>(candidates, "question_index");
  const std::vector<int32_t> sample_of = read_column<int32_t>(candidates, "sample_index");
  const TextColumn texts = read_ragged_column<char>(candidates, "text");
  const Ragged<int32_t> token_ids = read_ragged_column<int32_t>(candidates, "token_ids");
  const TextColumn prompts = read_ragged_column<char>(questions, "prompt");

  const int64_t count = static_cast<int64_t>(question_of.size());
  std::vector<TrainingText> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t row = rows[i];
    const bool same_candidate = row >= 0 && row < count && question_of[row] == kept_questions[i] &&
                                sample_of[row] == kept_samples[i];
    IWSI_CHECK(same_candidate, selection_path, ": kept row ", row, " (question ", kept_questions[i], ", sample ",
               kept_samples[i], ") is not that candidate of ", candidates_path, " (", count,
               " candidates): the selection was made from another candidate file");
    const int64_t question = question_of[row];
    IWSI_CHECK(question >= 0 && question < prompts.rows(), candidates_path, ": candidate row ", row, " answers question ",
               question, " but the file has ", prompts.rows(), " questions");
    IWSI_CHECK(std::isfinite(weights[i]) && weights[i] >= 0, selection_path, ": kept row ", row, " has weight ",
               weights[i], "; training weights must be finite and >= 0");
    auto [prompt, answer] = sample_training_text(text_at(prompts, question), text_at(texts, row));
    out.push_back({std::move(prompt), std::move(answer), weights[i], token_ids.row(row)});
  }
  return out;
}

std::vector<TrainingText> gsm8k_jsonl_texts(const std::string& path) {
  std::vector<TrainingText> out;
  for (const JsonRecord& record : read_jsonl(path)) {
    const nlohmann::json& v = record.value;
    IWSI_CHECK(v.is_object() && v.contains("question") && v["question"].is_string() && v.contains("answer") &&
                   v["answer"].is_string(),
               path, ":", record.line, ": expected {\"question\": string, \"answer\": string ending \"#### N\"}");
    std::string rationale;
    try {
      rationale = format_gsm8k_rationale(v["answer"].get<std::string>());
    } catch (const Error& e) {
      fail(path, ":", record.line, ": ", e.what());
    }
    out.push_back({training_prompt(v["question"].get<std::string>()), trim_whitespace(rationale), 1.0});
  }
  return out;
}

}  // namespace iwsi
