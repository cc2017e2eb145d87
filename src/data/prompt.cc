// Prompt texts; see prompt.h.
#include "data/prompt.h"

#include "core/error.h"
#include "data/text.h"

namespace iwsi {

std::string few_shot_prefix(const std::vector<Example>& exemplars) {
  std::string prefix;
  for (const Example& exemplar : exemplars) {
    IWSI_CHECK(!exemplar.rationale.empty(), "few-shot exemplar ", exemplar.id,
               " has no rationale (this dataset has none: supply a prompt file or use 0 exemplars)");
    prefix += training_prompt(exemplar) + exemplar.rationale + "\n";
  }
  return prefix;
}

std::string generation_prompt(const std::string& few_shot, const Example& example) {
  return few_shot + training_prompt(example);
}

std::string training_prompt(const Example& example) { return training_prompt(example.question); }

std::string training_prompt(const std::string& question) { return "Q: " + question + "\nA: "; }

std::pair<std::string, std::string> sample_training_text(const std::string& question, const std::string& sample_text) {
  return {training_prompt(question), trim_whitespace(sample_text)};
}

}  // namespace iwsi
