#include "pipeline/training_texts.h"

#include <algorithm>
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
                                                   const std::string& selection_path, int64_t block_rows) {
  IWSI_ASSERT(block_rows > 0, "block_rows = ", block_rows);
  const KeptRows kept = read_kept_rows(selection_path);
  H5Id candidates_file = open_output_for_read(candidates_path, kCandidatesSchema, kCandidatesVersion);
  H5Id candidates = open_table(candidates_file, "candidates");
  H5Id questions = open_table(candidates_file, "questions");
  const std::vector<int64_t> question_of = read_column<int64_t>(candidates, "question_index");
  const std::vector<int32_t> sample_of = read_column<int32_t>(candidates, "sample_index");
  const TextColumn prompts = read_ragged_column<char>(questions, "prompt");
  const int64_t count = static_cast<int64_t>(question_of.size());
  for (size_t i = 0; i < kept.row.size(); ++i) {
    const int64_t row = kept.row[i];
    const bool same_candidate = row < count && question_of[row] == kept.question_index[i] &&
                                sample_of[row] == kept.sample_index[i];
    IWSI_CHECK(same_candidate, selection_path, ": kept row ", row, " (question ", kept.question_index[i], ", sample ",
               kept.sample_index[i], ") is not that candidate of ", candidates_path, " (", count,
               " candidates): the selection was made from another candidate file");
    IWSI_CHECK(question_of[row] >= 0 && question_of[row] < prompts.rows(), candidates_path, ": candidate row ", row,
               " answers question ", question_of[row], " but the file has ", prompts.rows(), " questions");
  }
  // The texts and generated ids of the kept rows only, read a block of candidate rows at a time:
  // at 100k samples of ~600 tokens the whole token_ids column is ~240 MB per rank, most of it not kept.
  std::vector<size_t> order(kept.row.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return kept.row[a] < kept.row[b]; });
  std::vector<TrainingText> out(kept.row.size());
  for (size_t next = 0; next < order.size();) {
    const int64_t begin = kept.row[order[next]], end = std::min(count, begin + block_rows);
    const TextColumn texts = read_ragged_column<char>(candidates, "text", begin, end);
    const Ragged<int32_t> token_ids = read_ragged_column<int32_t>(candidates, "token_ids", begin, end);
    for (; next < order.size() && kept.row[order[next]] < end; ++next) {
      const size_t i = order[next];
      const int64_t row = kept.row[i];
      auto [prompt, answer] = sample_training_text(text_at(prompts, question_of[row]), text_at(texts, row - begin));
      out[i] = {std::move(prompt), std::move(answer), kept.weight[i], token_ids.row(row - begin)};
    }
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
