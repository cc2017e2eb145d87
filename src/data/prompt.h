// The prompt texts of ../shared/docs/IWSI.md sections 1 and 7, in one place so generation, scoring,
// training and evaluation agree byte for byte:
//   generation / evaluation: few-shot prefix + "Q: " + q + "\nA: "
//   training and DS loss:    "Q: " + q + "\nA: " (+ rationale), never with exemplars.
// Deliberately no tokenization and no EOS handling (those belong to the model side).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/example.h"

namespace iwsi {

// "Q: q\nA: rationale" per exemplar, joined by "\n", plus a final "\n"; "" for no exemplars.
// An exemplar without a rationale throws (a prompt file must be supplied for such datasets).
std::string few_shot_prefix(const std::vector<Example>& exemplars);

// few_shot + "Q: " + question + "\nA: "
std::string generation_prompt(const std::string& few_shot, const Example& example);

// "Q: " + question + "\nA: " -- the text the answer tokens follow in training and DS scoring.
std::string training_prompt(const Example& example);
std::string training_prompt(const std::string& question);

// The (prompt, answer) texts a generated sample is scored on (weigh), judged on (judge) and trained
// on (train): the training prompt of its question and its text with surrounding whitespace
// trimmed. One function, so a sample's DS loss and its training loss cover the same tokens.
std::pair<std::string, std::string> sample_training_text(const std::string& question, const std::string& sample_text);

}  // namespace iwsi
