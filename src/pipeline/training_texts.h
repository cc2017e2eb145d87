// The texts fine-tuning trains on, as (prompt, answer, weight) triples in a fixed order, from one of
// two sources: the rows a selection file (iwsi filter) keeps from a candidate file (iwsi generate),
// or a GSM8K-format JSON Lines file of human solutions (to make a base model by full fine-tuning).
// Prompts are training_prompt() ("Q: q\nA: "), never with few-shot exemplars (../shared/docs/IWSI.md step 5).
// Deliberately no tokenization (training_set.h) and no model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iwsi {

struct TrainingText {
  std::string prompt;  // "Q: " + question + "\nA: "
  std::string answer;  // the rationale, trimmed
  double weight = 1.0;
  // A generated sample: the ids the model produced (its stop token included), so training reads the
  // boundary the model saw (score/sft_tokens.h). Empty for a written text.
  std::vector<int32_t> generated_ids;
};

// Kept rows of `selection_path` (schema iwsi.selection) with their weights, in the selection's order.
// Throws naming the files when a kept row is not a candidate of `candidates_path` (a selection made
// from another candidate file) or a weight is negative / not finite.
// The candidate texts are read `block_rows` rows at a time, keeping only the kept ones.
std::vector<TrainingText> selected_candidate_texts(const std::string& candidates_path,
                                                   const std::string& selection_path, int64_t block_rows = 4096);

// {"question": ..., "answer": "... #### N"} per line; the answer becomes format_gsm8k_rationale().
// Throws naming path:line for a line without those string fields.
std::vector<TrainingText> gsm8k_jsonl_texts(const std::string& path);

}  // namespace iwsi
