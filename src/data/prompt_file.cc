// Prompt files; see prompt_file.h.
#include "data/prompt_file.h"

#include <unordered_map>

#include "core/error.h"
#include "data/answer.h"
#include "data/json_records.h"
#include "data/record_fields.h"
#include "data/text.h"

namespace iwsi {

std::vector<PromptExemplar> read_prompt_file(const std::string& path, AnswerKind kind) {
  std::vector<PromptExemplar> exemplars;
  for (const JsonRecord& record : read_jsonl(path)) {
    const RecordSource source{path, record.line};
    exemplars.push_back(with_record_context(source, [&] {
      require_object(record.value);
      PromptExemplar exemplar;
      exemplar.source = optional_id(record.value, "source");
      exemplar.where = source.where();
      Example& example = exemplar.example;
      example.id = exemplar.source.empty() ? source.default_id() : exemplar.source;
      example.question = trim_whitespace(required_string(record.value, "question"));
      example.rationale = trim_whitespace(required_string(record.value, "rationale"));
      IWSI_CHECK(!example.question.empty() && !example.rationale.empty(), "an exemplar needs a question and a rationale");
      const std::optional<std::string> answer = extract_answer(example.rationale, kind);
      IWSI_CHECK(answer.has_value(), "the rationale ends in no answer the extractor reads (it must say \"The answer is ",
                 kind == AnswerKind::choice ? "(B)" : "18", ".\"): ", example.rationale);
      example.answer = *answer;
      return exemplar;
    }));
  }
  IWSI_CHECK(!exemplars.empty(), path, ": the prompt file holds no exemplar");
  return exemplars;
}

std::vector<int64_t> prompt_source_indices(const std::vector<PromptExemplar>& exemplars,
                                           const std::vector<Example>& labeled, const std::string& dataset) {
  std::unordered_map<std::string, int64_t> by_id;
  for (size_t i = 0; i < labeled.size(); ++i) by_id.emplace(labeled[i].id, static_cast<int64_t>(i));
  std::vector<int64_t> indices;
  for (const PromptExemplar& exemplar : exemplars) {
    if (exemplar.source.empty()) continue;
    const auto found = by_id.find(exemplar.source);
    IWSI_CHECK(found != by_id.end(), exemplar.where, ": source \"", exemplar.source, "\" is no record of the ", dataset,
               " labeled file");
    const Example& record = labeled[static_cast<size_t>(found->second)];
    IWSI_CHECK(record.question == exemplar.example.question, exemplar.where, ": the question differs from record ",
               exemplar.source, "'s as the ", dataset, " reader writes it:\n  file:   ", exemplar.example.question,
               "\n  record: ", record.question);
    IWSI_CHECK(answers_equal(record.answer, exemplar.example.answer), exemplar.where, ": the rationale answers ",
               exemplar.example.answer, " but record ", exemplar.source, "'s gold answer is ", record.answer);
    indices.push_back(found->second);
  }
  return indices;
}

}  // namespace iwsi
