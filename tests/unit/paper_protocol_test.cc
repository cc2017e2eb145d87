// The paper's protocol beside ours: the official code's answer rule (eval.protocol = paper), its
// candidate post-processing (generate.clean = paper), its record_loss token layout
// (weigh.loss_scope = code), prompt and valid files (data.prompt_file, data.valid_file) and the
// shipped configs/paper prompts and valid sets,
// each checked against the official code's behaviour written out case by case.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "data/answer.h"
#include "data/dataset.h"
#include "data/paper_clean.h"
#include "data/prompt.h"
#include "data/written_examples.h"
#include "expect_error.h"
#include "score/sft_tokens.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {
namespace {

using testing::expect_error;

std::optional<std::string> paper_number(std::string_view text) {
  return extract_answer(text, AnswerKind::number, AnswerRule::paper);
}
std::optional<std::string> paper_choice(std::string_view text) {
  return extract_answer(text, AnswerKind::choice, AnswerRule::paper);
}

// derive_num_from_output: the last "the answer is", else the whole text; the last "="; no sign;
// int(float(x)).
TEST(PaperAnswerRule, NumbersAsTheOfficialCodeReadsThem) {
  EXPECT_EQ(paper_number("So 3 + 4 = 7. The answer is 7."), "7");
  EXPECT_EQ(paper_number("The answer is 12.7 apples"), "12");   // int(float("12.7"))
  EXPECT_EQ(paper_number("The answer is -3."), "3");            // the pattern has no minus sign
  EXPECT_EQ(paper_number("The answer is 1,080."), "1080");
  EXPECT_EQ(paper_number("THE ANSWER IS 5"), "5");              // lower() first
  EXPECT_EQ(paper_number("The answer is 2 + 3 = 5."), "5");     // after the last "="
  EXPECT_EQ(paper_number("I think 42 is right, maybe 43."), "42");  // no marker: the whole text
  EXPECT_EQ(paper_number("The answer is 4. Q: next. The answer is 9."), "9");  // the whole continuation's last
  EXPECT_EQ(paper_number("The answer is 5."), "5");
  EXPECT_EQ(paper_number("The answer is"), std::nullopt);       // nothing after it
  EXPECT_EQ(paper_number("The answer is =  "), std::nullopt);
  EXPECT_EQ(paper_number("The answer is many."), std::nullopt);
  EXPECT_EQ(paper_number("The answer is " + std::string(31, '9')), std::nullopt);  // over 30 characters
  EXPECT_EQ(paper_number("The answer is 0.4"), "0");
  // Ours keeps what the paper's rule drops.
  EXPECT_EQ(extract_answer("The answer is -3.", AnswerKind::number), "-3");
  EXPECT_EQ(extract_answer("I think 42 is right", AnswerKind::number), std::nullopt);
}

TEST(PaperAnswerRule, ChoicesAsTheOfficialCodeReadsThem) {
  EXPECT_EQ(paper_choice("The answer is (b)."), "B");
  EXPECT_EQ(paper_choice("So (A) is wrong. The answer is (C)"), "C");
  EXPECT_EQ(paper_choice("Between (A) and (B), (A) holds."), "A");  // no marker: the first in the whole text
  EXPECT_EQ(paper_choice("The answer is B."), std::nullopt);        // only a letter in parentheses
  EXPECT_EQ(paper_choice("The answer is (AB)."), std::nullopt);
}

TEST(PaperAnswerRule, ComparesNumbersAsIntOfFloat) {
  EXPECT_TRUE(answers_equal("2.5", "2", AnswerRule::paper));
  EXPECT_TRUE(answers_equal("18", "18.0", AnswerRule::paper));
  EXPECT_FALSE(answers_equal("3", "-3", AnswerRule::paper));
  EXPECT_TRUE(answers_equal("0", "-0.5", AnswerRule::paper));  // int(-0.5) == 0
  EXPECT_TRUE(answers_equal("B", "B", AnswerRule::paper));
  EXPECT_FALSE(answers_equal("2.5", "2"));  // ours: exact values
}

// get_qa_pair: cut at the first "Q:", every "A:" removed, the tail after the last "the answer is"
// rewritten as " N." when a number is read, stripped.
TEST(PaperClean, OfficialPostProcessingOfACandidate) {
  EXPECT_EQ(paper_cleaned_sample(" 3 + 4 = 7. The answer is 7 apples, I think.\nQ: What is 2 + 2?\nA: 4"),
            "3 + 4 = 7. The answer is 7.");
  EXPECT_EQ(paper_cleaned_sample("So A: it is 2.5 each. The Answer Is 2.5"), "So  it is 2.5 each. The Answer Is 2.");
  EXPECT_EQ(paper_cleaned_sample("No marker here, 12 of them."), "No marker here, 12 of them.");
  EXPECT_EQ(paper_cleaned_sample("The answer is (C)."), "The answer is (C).");  // no number: left alone
  EXPECT_EQ(paper_cleaned_sample("It is 5. The answer is none."), "It is 5. The answer is none.");  // no number after the marker
  EXPECT_EQ(paper_cleaned_sample("Q: a new question"), "");
}

std::string write_prompt(const std::string& name, const std::string& text) {
  const std::string path = testing::scratch_dir("paper_protocol") + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// One prompt-file line.
std::string exemplar_line(const std::string& source, const std::string& question, const std::string& rationale) {
  nlohmann::json line = {{"question", question}, {"rationale", rationale}};
  if (!source.empty()) line["source"] = source;
  return line.dump() + "\n";
}

DatasetOptions with_prompt(const std::string& name, const std::string& prompt_file) {
  DatasetOptions options;
  options.name = name;
  options.data_dir = testing::shared_dir() + "/data";
  options.prompt_file = prompt_file;
  return options;
}

TEST(PromptFile, ReplacesTheDrawnExemplarsAndLeavesItsSourcesOutOfPoolAndValid) {
  const DatasetSplits drawn = load_dataset(with_prompt("svamp", ""));
  ASSERT_EQ(drawn.pool.front().id, "chal-1");
  const std::string path = write_prompt(
      "svamp.jsonl", exemplar_line("", "Tom has 2 apples and gets 3 more. How many apples does he have?",
                                   "He has 2 + 3 = 5 apples. The answer is 5.") +
                         exemplar_line("chal-1", drawn.pool.front().question, "The answer is " + drawn.pool.front().answer + "."));
  const DatasetSplits splits = load_dataset(with_prompt("svamp", path));
  ASSERT_EQ(splits.exemplars.size(), 2u);
  EXPECT_EQ(splits.exemplars[0].answer, "5");
  EXPECT_EQ(splits.exemplars[1].id, "chal-1");
  EXPECT_EQ(few_shot_prefix(splits.exemplars).rfind("Q: Tom has 2 apples", 0), 0u);
  // chal-1 (the pool's first question) is left out; the drawn default exemplars are back in.
  EXPECT_EQ(splits.pool.front().id, drawn.pool[1].id);
  EXPECT_EQ(splits.pool.size(), drawn.pool.size());
  for (const Example& e : splits.pool) EXPECT_NE(e.id, "chal-1");
  for (const Example& e : splits.valid) EXPECT_NE(e.id, "chal-1");
}

TEST(PromptFile, BadExemplarsAreRefusedByLine) {
  const std::string svamp_q = load_dataset(with_prompt("svamp", "")).pool.front().question;
  const std::string no_answer = write_prompt("no_answer.jsonl", "{\"question\": \"q\", \"rationale\": \"It is five.\"}\n");
  expect_error([&] { load_dataset(with_prompt("svamp", no_answer)); },
               {"no_answer.jsonl:1", "the rationale ends in no answer the extractor reads"});
  const std::string choice = write_prompt("choice.jsonl", "{\"question\": \"q\", \"rationale\": \"The answer is 5.\"}\n");
  expect_error([&] { load_dataset(with_prompt("strategyqa", choice)); }, {"choice.jsonl:1", "(B)"});
  const std::string unknown =
      write_prompt("unknown.jsonl", "{\"source\": \"chal-99999\", \"question\": \"q\", \"rationale\": \"The answer is 5.\"}\n");
  expect_error([&] { load_dataset(with_prompt("svamp", unknown)); }, {"unknown.jsonl:1", "chal-99999", "is no record"});
  const std::string other = write_prompt("other.jsonl", exemplar_line("chal-1", svamp_q + " Extra.", "The answer is 5."));
  expect_error([&] { load_dataset(with_prompt("svamp", other)); }, {"other.jsonl:1", "the question differs from record chal-1"});
  const std::string wrong = write_prompt("wrong.jsonl", exemplar_line("chal-1", svamp_q, "The answer is 123456."));
  expect_error([&] { load_dataset(with_prompt("svamp", wrong)); }, {"wrong.jsonl:1", "answers 123456", "gold answer is"});
  const std::string malformed = write_prompt("malformed.jsonl", "{\"question\": \"q\", \"rationale\": \"The answer is 5.\"}\n{oops\n");
  expect_error([&] { load_dataset(with_prompt("svamp", malformed)); }, {"malformed.jsonl:2"});
  const std::string empty = write_prompt("empty.jsonl", "\n");
  expect_error([&] { load_dataset(with_prompt("svamp", empty)); }, {"empty.jsonl", "holds no example"});
}

// The shipped prompt files: three exemplars each, every one naming its source record with the
// question exactly as the reader writes it and the record's gold answer; the pool is the default one.
TEST(PaperPrompts, ShippedFilesMatchTheirDatasetsAndKeepThePaperPool) {
  for (const std::string name : {"gsm8k", "svamp", "anli-r1", "anli-r2", "openbookqa", "strategyqa"}) {
    SCOPED_TRACE(name);
    const std::string path = "configs/paper/prompts/" + name + ".jsonl";
    const DatasetSplits splits = load_dataset(with_prompt(name, path));
    ASSERT_EQ(splits.exemplars.size(), 3u);
    for (const WrittenExample& e : read_written_examples(path, splits.kind)) EXPECT_FALSE(e.source.empty()) << e.where;
    EXPECT_FALSE(few_shot_prefix(splits.exemplars).empty());
    // The pool keeps the paper's size, and no valid record is in it.
    const DatasetSplits drawn = load_dataset(with_prompt(name, ""));
    ASSERT_EQ(splits.pool.size(), drawn.pool.size());
    std::set<std::string> pool_ids;
    for (const Example& e : splits.pool) pool_ids.insert(e.id);
    for (const Example& e : splits.valid) EXPECT_EQ(pool_ids.count(e.id), 0u) << e.id;
  }
}

DatasetOptions with_valid(const std::string& name, const std::string& valid_file, const std::string& prompt_file = "") {
  DatasetOptions options = with_prompt(name, prompt_file);
  options.valid_file = valid_file;
  return options;
}

TEST(ValidFile, ReplacesTheValidSetAndLeavesItsSourcesOutOfThePool) {
  const DatasetSplits drawn = load_dataset(with_prompt("svamp", ""));
  const Example& first = drawn.pool.front();
  const std::string path = write_prompt(
      "valid.jsonl", exemplar_line(first.id, first.question, "Written out. The answer is " + first.answer + ".") +
                         exemplar_line("", "Ann has 4 pens and buys 2. How many pens does she have?",
                                       "She has 4 + 2 = 6 pens. The answer is 6."));
  const DatasetSplits splits = load_dataset(with_valid("svamp", path));
  ASSERT_EQ(splits.valid.size(), 2u);
  EXPECT_EQ(splits.valid[0].id, first.id);
  EXPECT_EQ(splits.valid[0].rationale, "Written out. The answer is " + first.answer + ".");
  EXPECT_EQ(splits.valid[1].answer, "6");
  EXPECT_EQ(splits.valid[1].id, "valid.jsonl:2");
  // The pool keeps its size and order, without the record the valid file was written for.
  ASSERT_EQ(splits.pool.size(), drawn.pool.size());
  EXPECT_EQ(splits.pool.front().id, drawn.pool[1].id);
  for (const Example& e : splits.pool) EXPECT_NE(e.id, first.id);
  EXPECT_EQ(splits.exemplars.size(), drawn.exemplars.size());
  EXPECT_EQ(splits.test.size(), drawn.test.size());
  // valid_size takes the file's first records.
  DatasetOptions one = with_valid("svamp", path);
  one.valid_size = 1;
  EXPECT_EQ(load_dataset(one).valid.size(), 1u);
  one.valid_size = 3;
  expect_error([&] { load_dataset(one); }, {"valid_size 3 exceeds the 2 records"});
}

TEST(ValidFile, ARecordWrittenTwiceOrAlsoAnExemplarIsRefused) {
  const Example first = load_dataset(with_prompt("svamp", "")).pool.front();
  const std::string line = exemplar_line(first.id, first.question, "The answer is " + first.answer + ".");
  const std::string twice = write_prompt("twice.jsonl", line + line);
  expect_error([&] { load_dataset(with_valid("svamp", twice)); }, {"twice.jsonl:2", first.id, "already written at", "twice.jsonl:1"});
  const std::string once = write_prompt("once.jsonl", line);
  expect_error([&] { load_dataset(with_valid("svamp", once, once)); },
               {"record " + first.id, "both a few-shot exemplar and a written valid example"});
  const std::string no_answer = write_prompt("valid_no_answer.jsonl", exemplar_line("", "q", "It is six."));
  expect_error([&] { load_dataset(with_valid("svamp", no_answer)); }, {"valid_no_answer.jsonl:1", "no answer"});
  // The pool cannot stay at its default size when the valid file takes too much of it.
  std::string many;
  const DatasetSplits drawn = load_dataset(with_prompt("svamp", ""));
  for (size_t i = 0; i < 40; ++i)
    many += exemplar_line(drawn.pool[i].id, drawn.pool[i].question, "The answer is " + drawn.pool[i].answer + ".");
  const std::string big = write_prompt("big.jsonl", many);
  expect_error([&] { load_dataset(with_valid("svamp", big)); },
               {"pool_size 665 exceeds the", "left after the exemplars and the valid file's records"});
}

// The shipped valid files (issue: IWSI on all six Table 1 datasets): written rationales for
// OpenBookQA (whose labeled file has none) and SVAMP (whose are bare equations), each line naming
// its record (question and gold answer checked by the loader) from the records after the paper's
// pool, so the pool stays the default; and with the shipped prompt, the config's exact data.
TEST(PaperValidSets, ShippedFilesMatchTheirDatasetsAndKeepThePaperPool) {
  for (const auto& [name, at_least] : {std::pair<std::string, size_t>{"openbookqa", 50}, {"svamp", 32}}) {
    SCOPED_TRACE(name);
    const std::string path = "configs/paper/valid/" + name + ".jsonl";
    const DatasetSplits splits = load_dataset(with_valid(name, path, "configs/paper/prompts/" + name + ".jsonl"));
    EXPECT_GE(splits.valid.size(), at_least);
    for (const WrittenExample& e : read_written_examples(path, splits.kind)) EXPECT_FALSE(e.source.empty()) << e.where;
    for (const Example& e : splits.valid) {
      EXPECT_NE(e.rationale.find("The answer is"), std::string::npos) << e.id;
      EXPECT_GT(e.rationale.size(), 40u) << e.id;  // a sentence of reasoning, not just the answer
    }
    // The pool keeps the paper's size, and no valid record is in it.
    const DatasetSplits drawn = load_dataset(with_prompt(name, ""));
    ASSERT_EQ(splits.pool.size(), drawn.pool.size());
    std::set<std::string> pool_ids;
    for (const Example& e : splits.pool) pool_ids.insert(e.id);
    for (const Example& e : splits.valid) EXPECT_EQ(pool_ids.count(e.id), 0u) << e.id;
  }
}

// record_loss: BOS "Q: q\nA: " EOS answer, no final EOS, cut at max_length.
TEST(RecordLossTokens, EosBetweenPromptAndAnswerNoneAfterAndCut) {
  const Tokenizer tokenizer = Tokenizer::load(testing::shared_dir() + "/models/stories260K");
  const SftTokens tokens = sft_tokens(tokenizer, training_prompt("What is 2 + 3?"), "It is 5. The answer is 5.");
  const int32_t eos = tokenizer.eos_ids().front();
  ASSERT_EQ(tokens.answer.back(), eos);
  const std::vector<int32_t> sequence = record_loss_tokens(tokenizer, tokens, 400);
  std::vector<int32_t> expected = tokens.prompt;
  expected.push_back(eos);
  expected.insert(expected.end(), tokens.answer.begin(), tokens.answer.end() - 1);
  EXPECT_EQ(sequence, expected);
  EXPECT_EQ(sequence.front(), tokens.prompt.front());  // BOS
  const std::vector<int32_t> cut = record_loss_tokens(tokenizer, tokens, 5);
  EXPECT_EQ(cut, std::vector<int32_t>(expected.begin(), expected.begin() + 5));
}

}  // namespace
}  // namespace iwsi
