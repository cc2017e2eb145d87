// Answer extraction (../shared/docs/IWSI.md section 4): the rule on hand-written cases, a round trip over
// every GSM8K record (8,792) and over the formatted rationales of the multiple-choice datasets.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "data/answer.h"
#include "data/dataset.h"
#include "data/dataset_readers.h"
#include "data/json_records.h"
#include "data/rationale.h"
#include "test_paths.h"

namespace iwsi {
namespace {

std::optional<std::string> number(std::string_view text) { return extract_answer(text, AnswerKind::number); }
std::optional<std::string> choice(std::string_view text) { return extract_answer(text, AnswerKind::choice); }

TEST(ExtractNumber, IntegersDecimalsAndSigns) {
  EXPECT_EQ(number("The answer is 18."), "18");
  EXPECT_EQ(number("The answer is -3."), "-3");
  EXPECT_EQ(number("The answer is 2.5"), "2.5");
  EXPECT_EQ(number("The answer is 2.50."), "2.5");
  EXPECT_EQ(number("The answer is 18.0"), "18");
  EXPECT_EQ(number("The answer is 007"), "7");
  EXPECT_EQ(number("The answer is .5"), "0.5");
  EXPECT_EQ(number("The answer is -0"), "0");
  EXPECT_EQ(number("The answer is \xE2\x88\x92"
                   "4"),
            "-4");  // U+2212 minus sign
}

TEST(ExtractNumber, ThousandsSeparatorsCurrencyAndUnits) {
  EXPECT_EQ(number("The answer is 1,080."), "1080");
  EXPECT_EQ(number("The answer is $1,234,567.50 in total."), "1234567.5");
  EXPECT_EQ(number("The answer is $18"), "18");
  EXPECT_EQ(number("The answer is -$5."), "-5");
  EXPECT_EQ(number("The answer is 30 dollars per week, since 5 * 6 = 30."), "30");
  EXPECT_EQ(number("The answer is 45%"), "45");
  EXPECT_EQ(number("The answer is 12kg"), "12");
  EXPECT_EQ(number("The answer is: about 3, 4 or 5"), "3");  // ", " is punctuation, not a separator
}

TEST(ExtractNumber, OnlyTheTextAfterTheLastEqualsSignCounts) {
  EXPECT_EQ(number("The answer is 5 + 7 = 12."), "12");
  EXPECT_EQ(number("The answer is 3 * 4 = 10 + 2 = $12"), "12");
  EXPECT_EQ(number("x = 99. The answer is 12."), "12");  // "=" before the marker is irrelevant
  EXPECT_EQ(number("The answer is 5 - 3"), "5");         // no "=": the first number
  EXPECT_EQ(number("The answer is 12 =."), std::nullopt);
}

TEST(ExtractNumber, MarkerIsCaseInsensitiveAndTheLastOneWins) {
  EXPECT_EQ(number("THE ANSWER IS 4"), "4");
  EXPECT_EQ(number("the Answer Is 4"), "4");
  EXPECT_EQ(number("The answer is 3. Wait, no: the answer is 4."), "4");
  EXPECT_EQ(number("The answer is 3.\nQ: next? the answer is"), std::nullopt);  // the last marker has no number
}

TEST(ExtractNumber, NoMarkerOrNoNumberIsUnparsable) {
  EXPECT_EQ(number("So she has 12 apples."), std::nullopt);
  EXPECT_EQ(number("The answer is twelve."), std::nullopt);
  EXPECT_EQ(number(""), std::nullopt);
  EXPECT_EQ(number("answer is 5"), std::nullopt);
}

TEST(ExtractNumber, HyphensInsideWordsAreNotSigns) {
  EXPECT_EQ(number("The answer is covid-19"), "19");
  EXPECT_EQ(number("The answer is (-7)"), "-7");
}

TEST(ExtractChoice, LetterInParenthesesAfterTheLastMarker) {
  EXPECT_EQ(choice("... The answer is (B)."), "B");
  EXPECT_EQ(choice("... the answer is (c)"), "C");
  EXPECT_EQ(choice("The answer is (A). Hmm, the answer is (D)."), "D");
  EXPECT_EQ(choice("(A) looks right, so the answer is maybe (C) or (A)"), "C");
  EXPECT_EQ(choice("The answer is B."), std::nullopt);
  EXPECT_EQ(choice("I pick (B)."), std::nullopt);
  EXPECT_EQ(choice("The answer is (AB)."), std::nullopt);
}

TEST(CanonicalNumber, WholeLiteralsOnly) {
  EXPECT_EQ(canonical_number(" 1,080 "), "1080");
  EXPECT_EQ(canonical_number("51.0"), "51");
  EXPECT_EQ(canonical_number("-2.50"), "-2.5");
  EXPECT_EQ(canonical_number("+3"), "3");
  EXPECT_EQ(canonical_number("3 apples"), std::nullopt);
  EXPECT_EQ(canonical_number("5."), std::nullopt);
  EXPECT_EQ(canonical_number(""), std::nullopt);
  EXPECT_EQ(canonical_number("-"), std::nullopt);
}

TEST(AnswersEqual, NumbersByValueOtherAnswersByText) {
  EXPECT_TRUE(answers_equal("18", "18.0"));
  EXPECT_TRUE(answers_equal("1,080", "1080"));
  EXPECT_FALSE(answers_equal("2.5", "2"));  // no int() truncation, unlike the paper's code
  EXPECT_FALSE(answers_equal("-3", "3"));
  EXPECT_TRUE(answers_equal("B", "B"));
  EXPECT_FALSE(answers_equal("B", "C"));
}

// For every GSM8K record: the rationale we train on gives back exactly the "#### N" value.
TEST(Gsm8kRoundTrip, EveryTrainAndTestRecordExtractsItsFinalAnswer) {
  const std::regex plain_integer("-?(0|[1-9][0-9]*)");
  int64_t checked = 0;
  for (const char* file : {"train.jsonl", "test.jsonl"}) {
    for (const JsonRecord& record : read_jsonl(testing::shared_dir() + "/data/gsm8k/" + file)) {
      const std::string answer_field = record.value.at("answer");
      // Expected value computed independently: the text after "####" without spaces and commas.
      std::string expected = answer_field.substr(answer_field.rfind("####") + 4);
      expected.erase(std::remove_if(expected.begin(), expected.end(), [](char c) { return c == ' ' || c == ','; }),
                     expected.end());
      ASSERT_TRUE(std::regex_match(expected, plain_integer)) << file << ":" << record.line << " " << expected;
      EXPECT_EQ(number(format_gsm8k_rationale(answer_field)), expected) << file << ":" << record.line;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 8792);
}

TEST(NumericRoundTrip, SvampRationalesExtractTheirGoldAnswer) {
  for (const Example& e : read_svamp(testing::shared_dir() + "/data/svamp/SVAMP.json"))
    EXPECT_EQ(number(e.rationale), e.answer) << e.id;
}

// The multiple-choice rationales end "The answer is (X)." and parse back to the gold letter.
TEST(ChoiceRoundTrip, AnliStrategyQaAndOpenBookQaRationales) {
  const std::string data = testing::shared_dir() + "/data";
  int64_t checked = 0;
  for (const auto& examples : {read_anli(data + "/anli/R1/dev.jsonl"), read_anli(data + "/anli/R2/test.jsonl"),
                               read_strategyqa(data + "/strategyqa/train.json")}) {
    for (const Example& e : examples) {
      ASSERT_FALSE(e.rationale.empty()) << e.id;
      EXPECT_EQ(choice(e.rationale), e.answer) << e.id;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 1000 + 1000 + 2061);
  // OpenBookQA has no rationales; a model-style one built from its answer parses back too.
  for (const Example& e : read_openbookqa(data + "/openbookqa/test.tsv"))
    EXPECT_EQ(choice(append_answer_sentence("Plants need light", e.answer, AnswerKind::choice)), e.answer) << e.id;
  EXPECT_EQ(append_answer_sentence("Plants need light", "C", AnswerKind::choice),
            "Plants need light. The answer is (C).");
}

}  // namespace
}  // namespace iwsi
