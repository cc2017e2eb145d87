// Readers for the multiple-choice datasets (StrategyQA, ANLI, OpenBookQA, CommonsenseQA).
// Questions carry their options in the paper's code format ("Answer Choices are: A)yes; B)no.")
// and gold answers are letters, so one extraction rule ("(B)") serves all of them.
#include "core/error.h"
#include "data/choices.h"
#include "data/dataset_readers.h"
#include "data/json_records.h"
#include "data/rationale.h"
#include "data/record_fields.h"
#include "data/text.h"
#include "data/tsv.h"

namespace iwsi {
namespace {

Example strategyqa_example(const nlohmann::json& record, const RecordSource& source) {
  require_object(record);
  const auto answer = record.find("answer");
  IWSI_CHECK(answer != record.end() && answer->is_boolean(), "missing boolean field \"answer\"");
  const auto facts = record.find("facts");
  IWSI_CHECK(facts != record.end() && facts->is_array(), "missing array field \"facts\"");
  std::vector<std::string> fact_texts;
  for (const auto& fact : *facts) {
    IWSI_CHECK(fact.is_string(), "field \"facts\" must hold strings");
    fact_texts.push_back(fact.get<std::string>());
  }
  const std::string joined_facts = join_sentences(fact_texts);
  Example example;
  example.id = optional_id(record, "qid");
  if (example.id.empty()) example.id = source.default_id();
  example.question = required_string(record, "question") + " " + format_choice_list({{"A", "yes"}, {"B", "no"}});
  example.answer = answer->get<bool>() ? "A" : "B";
  if (!joined_facts.empty())
    example.rationale = append_answer_sentence(joined_facts, example.answer, AnswerKind::choice);
  return example;
}

// ANLI labels: e(ntailment) = yes, c(ontradiction) = no, n(eutral) = impossible to tell,
// the paper's mapping of HF labels 0 / 2 / 1 to A / B / C.
std::string anli_letter(const std::string& label) {
  if (label == "e") return "A";
  if (label == "c") return "B";
  if (label == "n") return "C";
  fail("unknown ANLI label \"", label, "\" (expected e, n or c)");
}

Example anli_example(const nlohmann::json& record, const RecordSource& source) {
  require_object(record);
  Example example;
  example.id = optional_id(record, "uid");
  if (example.id.empty()) example.id = source.default_id();
  example.question = "\"" + required_string(record, "context") +
                     "\" Based on this premise, can we conclude the hypothesis \"" +
                     required_string(record, "hypothesis") + "\" is true?\n" +
                     format_choice_list({{"A", "yes"}, {"B", "no"}, {"C", "impossible to tell"}});
  example.answer = anli_letter(required_string(record, "label"));
  const std::string reason = optional_string(record, "reason");
  if (!trim_whitespace(reason).empty())
    example.rationale = append_answer_sentence(reason, example.answer, AnswerKind::choice);
  return example;
}

Example commonsenseqa_example(const nlohmann::json& record, const RecordSource& source) {
  require_object(record);
  const auto question = record.find("question");
  IWSI_CHECK(question != record.end() && question->is_object(), "missing object field \"question\"");
  const auto choice_items = question->find("choices");
  IWSI_CHECK(choice_items != question->end() && choice_items->is_array() && !choice_items->empty(),
             "missing array field \"question.choices\"");
  std::vector<Choice> choices;
  for (const auto& item : *choice_items) {
    require_object(item);
    choices.push_back({required_string(item, "label"), required_string(item, "text")});
  }
  Example example;
  example.id = optional_id(record, "id");
  if (example.id.empty()) example.id = source.default_id();
  example.question = required_string(*question, "stem") + " " + format_choice_list(choices);
  example.answer = required_string(record, "answerKey");
  IWSI_CHECK(has_choice_label(choices, example.answer), "unknown answerKey \"", example.answer, "\"");
  return example;
}

template <class Convert>
std::vector<Example> convert_records(const std::string& path, const std::vector<JsonRecord>& records, Convert convert) {
  std::vector<Example> examples;
  examples.reserve(records.size());
  for (const JsonRecord& record : records) {
    const RecordSource source{path, record.line};
    examples.push_back(with_record_context(source, [&] { return convert(record.value, source); }));
  }
  return examples;
}

}  // namespace

std::vector<Example> read_strategyqa(const std::string& path) {
  return convert_records(path, read_json_array(path), strategyqa_example);
}

std::vector<Example> read_anli(const std::string& path) {
  return convert_records(path, read_jsonl(path), anli_example);
}

std::vector<Example> read_commonsenseqa(const std::string& path) {
  return convert_records(path, read_jsonl(path), commonsenseqa_example);
}

std::vector<Example> read_openbookqa(const std::string& path) {
  const TsvTable table = read_tsv(path);
  const size_t id_column = table.column("ID"), stem_column = table.column("Question Stem");
  const size_t choices_column = table.column("Choices"), key_column = table.column("Answer Key");
  std::vector<Example> examples;
  for (const TsvRow& row : table.rows) {
    const RecordSource source{path, row.line};
    examples.push_back(with_record_context(source, [&] {
      const std::vector<Choice> choices = parse_parenthesized_choices(row.fields[choices_column], {"A", "B", "C", "D"});
      std::string stem = trim_whitespace(row.fields[stem_column]);
      // As the paper's code: a stem that is not already a question gets a "?" ("The sun is
      // responsible for?"), so the options read as a question's answers.
      if (stem.empty() || stem.back() != '?') stem += "?";
      Example example;
      example.id = row.fields[id_column].empty() ? source.default_id() : row.fields[id_column];
      example.question = stem + " " + format_choice_list(choices);
      example.answer = row.fields[key_column];
      IWSI_CHECK(has_choice_label(choices, example.answer), "unknown Answer Key \"", example.answer, "\"");
      return example;
    }));
  }
  return examples;
}

}  // namespace iwsi
