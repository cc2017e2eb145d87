// One reader per dataset file format: each turns one file into Examples (question, canonical
// gold answer, rationale in training format, id) and names "file:line" for any malformed
// record. Deliberately no splitting, sizes or exemplars: dataset.cc decides those.
// The formats chosen for each dataset are documented in src/data/README.md.
#pragma once

#include <string>
#include <vector>

#include "data/example.h"

namespace iwsi {

// GSM8K-format JSON Lines {"question", "answer" ending "#### N"} with optional "id" and
// "style" (GSM8K itself and the synthetic task). Rationale = format_gsm8k_rationale(answer).
std::vector<Example> read_gsm8k_format(const std::string& path);

// SVAMP.json: question = Body + " " + Question; rationale "<Equation> = N. The answer is N."
std::vector<Example> read_svamp(const std::string& path);

// StrategyQA train.json / dev.json: yes/no as "A)yes; B)no"; rationale = the facts.
std::vector<Example> read_strategyqa(const std::string& path);

// ANLI R*/dev.jsonl or test.jsonl: yes / no / impossible to tell as A / B / C (labels e / c / n);
// rationale = the annotator's reason.
std::vector<Example> read_anli(const std::string& path);

// OpenBookQA TSV (Main): four options A-D; no rationale.
std::vector<Example> read_openbookqa(const std::string& path);

// CommonsenseQA JSON Lines: five options A-E; no rationale. Unlabeled files are rejected.
std::vector<Example> read_commonsenseqa(const std::string& path);

}  // namespace iwsi
