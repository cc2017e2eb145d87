// Evaluation (src/pipeline/evaluation.h, eval_file.h): how one generated text is scored (the
// extraction rule of ../shared/docs/IWSI.md section 4 against the gold answer), greedy settings, and a run
// of questions through stories260K: rows in question order, each scored from its own text, the
// same rows when run again.
#include <gtest/gtest.h>

#include "model/checkpoint.h"
#include "pipeline/evaluation.h"
#include "test_paths.h"

namespace iwsi {
namespace {

std::string stories_dir() { return testing::shared_dir() + "/models/stories260K"; }

TEST(ScoreAnswer, ReadsTheNumberAfterTheLastAnswerSentence) {
  ScoredAnswer s = score_answer("7 + 5 = 12 . 12 - 3 = 9 . The answer is 9.", "9", AnswerKind::number);
  EXPECT_EQ(s.prediction, "9");
  EXPECT_TRUE(s.correct);
  s = score_answer("The answer is 3. No wait, the answer is 1,080.", "1080", AnswerKind::number);
  EXPECT_EQ(s.prediction, "1080");
  EXPECT_TRUE(s.correct);
  s = score_answer("the answer is x = 12 + 1 = 13 apples", "12", AnswerKind::number);  // after the last '='
  EXPECT_EQ(s.prediction, "13");
  EXPECT_FALSE(s.correct);
  s = score_answer("\n  The answer is 18.0 \n", "18", AnswerKind::number);  // compared by value
  EXPECT_EQ(s.prediction, "18");
  EXPECT_TRUE(s.correct);
}

TEST(ScoreAnswer, NoAnswerIsAnEmptyPredictionAndWrong) {
  for (const char* text : {"", "Once upon a time there was a cat.", "12 + 3 = 15 .", "The answer is nothing"}) {
    const ScoredAnswer s = score_answer(text, "15", AnswerKind::number);
    EXPECT_EQ(s.prediction, "") << text;
    EXPECT_FALSE(s.correct) << text;
  }
}

TEST(ScoreAnswer, ChoicesAreLetters) {
  ScoredAnswer s = score_answer("Sharks swim. The answer is (b).", "B", AnswerKind::choice);
  EXPECT_EQ(s.prediction, "B");
  EXPECT_TRUE(s.correct);
  s = score_answer("The answer is (A).", "B", AnswerKind::choice);
  EXPECT_EQ(s.prediction, "A");
  EXPECT_FALSE(s.correct);
}

TEST(GreedyParams, AreTemperatureZeroWithTheTokenizersEosAndTheStops) {
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  const SamplingParams p = greedy_params(tokenizer, 40, {"\nQ:", "Q:"});
  EXPECT_EQ(p.temperature, 0);
  EXPECT_EQ(p.max_new_tokens, 40);
  EXPECT_EQ(p.eos_ids, std::vector<int32_t>{2});
  EXPECT_EQ(p.stop_strings, (std::vector<std::string>{"\nQ:", "Q:"}));
  EXPECT_FALSE(p.ignore_eos);
}

TEST(EvaluateQuestions, ScoresEveryQuestionOfTheRangeFromItsOwnText) {
  const Llama model = load_llama(stories_dir());
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  std::vector<Example> questions(5);
  for (size_t i = 0; i < questions.size(); ++i) {
    questions[i].id = "q" + std::to_string(i);
    questions[i].question = "Tom has " + std::to_string(i + 2) + " cats. How many cats does Tom have?";
    questions[i].answer = std::to_string(i + 2);
  }
  torch::NoGradGuard no_grad;
  const EvalSetup setup{model, tokenizer, "Q: Lily has 1 dog.\nA: The answer is 1.\n", AnswerKind::number,
                        greedy_params(tokenizer, 12, {"\nQ:", "."}), EngineOptions{}};
  const EvalRows rows = evaluate_questions(setup, questions, 1, 4);
  ASSERT_EQ(rows.rows(), 3);
  EXPECT_EQ(rows.question_index, (std::vector<int64_t>{1, 2, 3}));
  for (int64_t r = 0; r < rows.rows(); ++r) {
    EXPECT_EQ(text_at(rows.id, r), "q" + std::to_string(r + 1));
    EXPECT_EQ(text_at(rows.gold, r), std::to_string(r + 3));
    const std::string text = text_at(rows.text, r);
    EXPECT_EQ(text.find('.'), std::string::npos) << text;  // cut before the stop string
    const ScoredAnswer scored = score_answer(text, text_at(rows.gold, r), AnswerKind::number);
    EXPECT_EQ(text_at(rows.prediction, r), scored.prediction);
    EXPECT_EQ(rows.correct[r], scored.correct ? 1 : 0);
    EXPECT_GE(rows.length[r], 1);
    EXPECT_LE(rows.length[r], 12);
    EXPECT_TRUE(rows.finish_reason[r] >= 0 && rows.finish_reason[r] <= 3);
  }
  // Greedy: the same questions give the same rows.
  const EvalRows again = evaluate_questions(setup, questions, 1, 4);
  EXPECT_EQ(again.text.values, rows.text.values);
  EXPECT_EQ(again.length, rows.length);
}

}  // namespace
}  // namespace iwsi
