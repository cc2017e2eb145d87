// Hand-written examples (prompt and valid files); see written_examples.h.
#include "data/written_examples.h"

#include <unordered_map>

#include "core/error.h"
#include "data/answer.h"
#include "data/json_records.h"
#include "data/record_fields.h"
#include "data/text.h"

namespace iwsi {

std::vector<WrittenExample> read_written_examples(const std::string& path, AnswerKind kind) {
  std::vector<WrittenExample> written;
  for (const JsonRecord& record : read_jsonl(path)) {
    const RecordSource source{path, record.line};
    written.push_back(with_record_context(source, [&] {
      require_object(record.value);
      WrittenExample one;
      one.source = optional_id(record.value, "source");
      one.where = source.where();
      Example& example = one.example;
      example.id = one.source.empty() ? source.default_id() : one.source;
      example.question = trim_whitespace(required_string(record.value, "question"));
      example.rationale = trim_whitespace(required_string(record.value, "rationale"));
      IWSI_CHECK(!example.question.empty() && !example.rationale.empty(), "a written example needs a question and a rationale");
      const std::optional<std::string> answer = extract_answer(example.rationale, kind);
      IWSI_CHECK(answer.has_value(), "the rationale ends in no answer the extractor reads (it must say \"The answer is ",
                 kind == AnswerKind::choice ? "(B)" : "18", ".\"): ", example.rationale);
      example.answer = *answer;
      return one;
    }));
  }
  IWSI_CHECK(!written.empty(), path, ": the file holds no example");
  return written;
}

std::vector<int64_t> written_source_indices(const std::vector<WrittenExample>& written,
                                            const std::vector<Example>& labeled, const std::string& dataset) {
  std::unordered_map<std::string, int64_t> by_id;
  for (size_t i = 0; i < labeled.size(); ++i) by_id.emplace(labeled[i].id, static_cast<int64_t>(i));
  std::unordered_map<int64_t, std::string> named_at;
  std::vector<int64_t> indices;
  for (const WrittenExample& one : written) {
    if (one.source.empty()) continue;
    const auto found = by_id.find(one.source);
    IWSI_CHECK(found != by_id.end(), one.where, ": source \"", one.source, "\" is no record of the ", dataset,
               " labeled file");
    const Example& record = labeled[static_cast<size_t>(found->second)];
    IWSI_CHECK(record.question == one.example.question, one.where, ": the question differs from record ",
               one.source, "'s as the ", dataset, " reader writes it:\n  file:   ", one.example.question,
               "\n  record: ", record.question);
    IWSI_CHECK(answers_equal(record.answer, one.example.answer), one.where, ": the rationale answers ",
               one.example.answer, " but record ", one.source, "'s gold answer is ", record.answer);
    const auto [earlier, first_time] = named_at.emplace(found->second, one.where);
    IWSI_CHECK(first_time, one.where, ": record ", one.source, " is already written at ", earlier->second);
    indices.push_back(found->second);
  }
  return indices;
}

std::vector<Example> written_examples(const std::vector<WrittenExample>& written) {
  std::vector<Example> examples;
  for (const WrittenExample& one : written) examples.push_back(one.example);
  return examples;
}

}  // namespace iwsi
