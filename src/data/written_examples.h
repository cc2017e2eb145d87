// Examples written by hand in JSON Lines, one per line:
//   {"question": "...", "rationale": "... The answer is (B).", "source": "<record id>"}
// Two files take this form: a few-shot prompt file (data.prompt_file, the exemplars of the prompt
// instead of drawn ones; ../shared/docs/IWSI.md section 7) and a valid file (data.valid_file, the
// labeled valid set with written rationales, for datasets whose valid records have none).
// "source" (optional) names the record of the dataset's labeled file the example was written for.
// Checks, each naming file:line: the rationale ends in an answer the dataset's extractor reads; a
// source record exists, has the same question text (so a file written for another reader format is
// refused) and the same gold answer, and no record is named twice. Source records are left out of
// the pool (and, for prompt files, of the valid set).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/example.h"

namespace iwsi {

struct WrittenExample {
  Example example;     // id = source, else "<file name>:<line>"; question, rationale, answer (extracted)
  std::string source;  // "" when the example names no record
  std::string where;   // "path:line", for messages
};

// The file's examples in file order; throws naming file:line on a malformed line or a rationale
// without an answer of `kind`; an empty file is an error.
std::vector<WrittenExample> read_written_examples(const std::string& path, AnswerKind kind);

// Indices into `labeled` of the examples' source records (in file order, examples without a
// source skipped), after checking each against its record; throws naming the file's line.
std::vector<int64_t> written_source_indices(const std::vector<WrittenExample>& written,
                                            const std::vector<Example>& labeled, const std::string& dataset);

// The examples themselves, in file order.
std::vector<Example> written_examples(const std::vector<WrittenExample>& written);

}  // namespace iwsi
