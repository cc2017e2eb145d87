// A few-shot prompt file (data.prompt_file, ../shared/docs/IWSI.md section 7): the exemplars of the
// prompt, written by hand instead of drawn from the dataset. JSON Lines, one exemplar per line:
//   {"question": "...", "rationale": "... The answer is (B).", "source": "<record id>"}
// "source" (optional) names the record of the dataset's labeled file the exemplar was written for.
// Checks, each naming file:line: the rationale ends in an answer the dataset's extractor reads; a
// source record exists, has the same question text (so a file written for another reader format is
// refused) and the same gold answer. Source records are left out of the pool and the valid set.
#pragma once

#include <string>
#include <vector>

#include "data/example.h"

namespace iwsi {

struct PromptExemplar {
  Example example;     // id = source, else "<file name>:<line>"; question, rationale, answer (extracted)
  std::string source;  // "" when the exemplar names no record
  std::string where;   // "path:line", for messages
};

// The file's exemplars in file order; throws naming file:line on a malformed line or a rationale
// without an answer of `kind`; an empty file is an error.
std::vector<PromptExemplar> read_prompt_file(const std::string& path, AnswerKind kind);

// Indices into `labeled` of the exemplars' source records (in file order), after checking each
// against its record; throws naming the prompt file's line.
std::vector<int64_t> prompt_source_indices(const std::vector<PromptExemplar>& exemplars,
                                           const std::vector<Example>& labeled, const std::string& dataset);

}  // namespace iwsi
