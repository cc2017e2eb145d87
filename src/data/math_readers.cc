// Readers for the numeric datasets: GSM8K-format JSON Lines (GSM8K, synthetic) and SVAMP.
// Gold answers are canonicalized with the same rules extraction uses, so "#### 1,080" and a
// model's "The answer is 1080." compare equal.
#include "core/error.h"
#include "data/answer.h"
#include "data/dataset_readers.h"
#include "data/json_records.h"
#include "data/rationale.h"
#include "data/record_fields.h"
#include "data/text.h"

namespace iwsi {

std::vector<Example> read_gsm8k_format(const std::string& path) {
  std::vector<Example> examples;
  for (const JsonRecord& record : read_jsonl(path)) {
    const RecordSource source{path, record.line};
    examples.push_back(with_record_context(source, [&] {
      require_object(record.value);
      const std::string answer_field = required_string(record.value, "answer");
      Example example;
      example.id = optional_id(record.value, "id");
      if (example.id.empty()) example.id = source.default_id();
      example.question = required_string(record.value, "question");
      example.answer = gsm8k_final_answer(answer_field);
      example.rationale = format_gsm8k_rationale(answer_field);
      example.style = optional_string(record.value, "style");
      return example;
    }));
  }
  return examples;
}

namespace {

Example svamp_example(const nlohmann::json& record, const RecordSource& source) {
  require_object(record);
  const auto answer = record.find("Answer");
  IWSI_CHECK(answer != record.end() && answer->is_number(), "missing numeric field \"Answer\"");
  // dump() of a JSON number is its shortest round-trip text ("51.0"), canonicalized to "51".
  const std::optional<std::string> value = canonical_number(answer->dump());
  IWSI_CHECK(value.has_value(), "field \"Answer\" is not a plain decimal number: ", answer->dump());
  Example example;
  example.id = optional_id(record, "ID");
  if (example.id.empty()) example.id = source.default_id();
  example.question =
      trim_whitespace(required_string(record, "Body")) + " " + trim_whitespace(required_string(record, "Question"));
  example.answer = *value;
  example.rationale = trim_whitespace(required_string(record, "Equation")) + " = " + *value + ". " +
                      answer_sentence(*value, AnswerKind::number);
  return example;
}

}  // namespace

std::vector<Example> read_svamp(const std::string& path) {
  std::vector<Example> examples;
  for (const JsonRecord& record : read_json_array(path)) {
    const RecordSource source{path, record.line};
    examples.push_back(with_record_context(source, [&] { return svamp_example(record.value, source); }));
  }
  return examples;
}

}  // namespace iwsi
