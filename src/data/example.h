// The plain records every dataset is turned into: one Example per question, grouped into the
// pool / valid / test / exemplar splits of the IWSI pipeline (../shared/docs/IWSI.md section 1).
// Only data here: reading files lives in dataset.h, prompt text in prompt.h, answer parsing in
// answer.h. Deliberately no tokenization and nothing model-specific.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iwsi {

// Numeric tasks (GSM8K, SVAMP, synthetic) vs multiple choice (letter in parentheses).
enum class AnswerKind { number, choice };

struct Example {
  std::string id;         // stable id from the file, or "<file name>:<line>" when it has none
  std::string question;   // the full text put after "Q: " (options included for multiple choice)
  std::string answer;     // gold final answer in canonical form: "18", "-2.5", "B"
  std::string rationale;  // human rationale ending "The answer is ...", "" if the dataset has none
  std::string style;      // synthetic task only ("clean", "jumping", ...), else ""
};

struct DatasetSplits {
  std::string name;
  AnswerKind kind = AnswerKind::number;
  std::vector<Example> pool, valid, test, exemplars;
};

}  // namespace iwsi
