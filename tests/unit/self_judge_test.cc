// The `self` baseline's judgement (src/score/self_judge, model/loss.h next_token_log_probs): which
// token follows "Score:" for each value 0..10 in real tokenizers, the expected score, and the
// next-token log-probabilities of a real model against its plain forward pass.
#include <gtest/gtest.h>

#include <cmath>

#include "expect_error.h"
#include "float_bounds.h"
#include "model/checkpoint.h"
#include "model/llama.h"
#include "model/loss.h"
#include "score/self_judge.h"
#include "synth/task.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {
namespace {

std::string stories_dir() { return testing::shared_dir() + "/models/stories260K"; }

const std::string kText = judge_text("Q: ann has 7 apples . how many apples does ann have ?\nA: ",
                                     "The answer is 7.", kDefaultJudgeRequest);

TEST(JudgeInput, SentencePieceWithByteFallbackScoresTheDigitAfterTheSpaceToken) {
  // stories260K has no digit pieces: " 7" is "▁" then the byte token <0x37>, so the space belongs
  // to the prompt and each digit 0-9 is one byte token; "10" takes two tokens and is not scorable.
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  const JudgeInput input = judge_input(tokenizer, kText);
  ASSERT_EQ(input.value_tokens.size(), 11u);
  for (int v = 0; v <= 9; ++v) EXPECT_EQ(tokenizer.decode({input.value_tokens[v]}), std::to_string(v)) << v;
  EXPECT_EQ(input.value_tokens[10], -1);
  std::vector<int32_t> seven = input.prompt_ids;
  seven.push_back(input.value_tokens[7]);
  EXPECT_EQ(seven, tokenizer.encode(kText + " 7", true));
}

TEST(JudgeInput, WordLevelScoresEveryValueIncludingTen) {
  const std::string dir = testing::scratch_dir("judge-wordlevel");
  write_synth_task(make_synth_task(SynthOptions{}), dir);
  const Tokenizer tokenizer = Tokenizer::load(dir);
  const JudgeInput input = judge_input(tokenizer, kText);
  for (int v = 0; v <= 10; ++v) {
    ASSERT_NE(input.value_tokens[v], -1) << v;
    std::vector<int32_t> ids = input.prompt_ids;
    ids.push_back(input.value_tokens[v]);
    EXPECT_EQ(ids, tokenizer.encode(kText + " " + std::to_string(v), true)) << v;
  }
}

TEST(ExpectedScore, IsTheProbabilityWeightedMeanOverScorableValues) {
  std::vector<int32_t> tokens = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, -1};
  std::vector<double> log_probs(11, std::log(1e-30));
  log_probs[7] = 0;  // all the mass on 7
  EXPECT_NEAR(expected_score(log_probs, tokens), 7.0, 1e-12);
  // p(2) = 0.25, p(8) = 0.75 among the scorable values; value 10 has no token and its (huge)
  // log-probability is ignored.
  log_probs.assign(11, -1000);
  log_probs[2] = std::log(0.1);
  log_probs[8] = std::log(0.3);
  log_probs[10] = 5;
  EXPECT_NEAR(expected_score(log_probs, tokens), 0.25 * 2 + 0.75 * 8, 1e-9);
  // Far below exp's range: renormalised, not 0/0.
  log_probs.assign(11, -5000);
  EXPECT_NEAR(expected_score(log_probs, tokens), 4.5, 1e-9);
  EXPECT_ERROR_CONTAINS(expected_score({0, 0}, tokens), "2 log-probabilities for 11 values");
}

// self_weight.py: derive_ratings_from_answer (r"(\d+\.?\d*)", first match, 20 characters), then
// min(max(0, float(x)), 10), and 0 for a text without a number.
TEST(RatingFromText, FirstNumberClampedToTheScaleAsTheOfficialCodeReadsIt) {
  EXPECT_EQ(rating_from_text("8\nQ: next question"), 8.0);
  EXPECT_EQ(rating_from_text(" 7/10, clear."), 7.0);
  EXPECT_EQ(rating_from_text("about 9.5 out of 10"), 9.5);
  EXPECT_EQ(rating_from_text("3. Well organized"), 3.0);       // "3." is a number: float("3.") = 3
  EXPECT_EQ(rating_from_text("7.5.3"), 7.5);
  EXPECT_EQ(rating_from_text("-4"), 4.0);                      // the pattern has no sign
  EXPECT_EQ(rating_from_text("12"), 10.0);                     // clamped
  EXPECT_EQ(rating_from_text("123456789012345678901234"), 10.0);
  EXPECT_EQ(rating_from_text("0"), 0.0);
  EXPECT_EQ(rating_from_text("no rating. given"), 0.0);        // none -> 0
  EXPECT_EQ(rating_from_text(""), 0.0);
}

TEST(JudgeMethod, NamesRoundTripAndAnUnknownOneIsNamed) {
  EXPECT_EQ(parse_judge_method("expected", "judge.method"), JudgeMethod::expected);
  EXPECT_EQ(parse_judge_method(judge_method_name(JudgeMethod::generated), "judge.method"), JudgeMethod::generated);
  EXPECT_THROW(parse_judge_method("sampled", "judge.method"), Error);
}

TEST(NextTokenLogProbs, EqualsLogSoftmaxOfTheLastPositionForPromptsOfDifferentLengths) {
  torch::set_num_threads(1);
  const Llama model = load_llama(stories_dir());
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  const std::vector<std::vector<int32_t>> prompts = {tokenizer.encode("Once upon a time", true),
                                                     tokenizer.encode("Lily had a red ball. She", true),
                                                     tokenizer.encode("Tom", true)};
  const std::vector<int32_t> tokens = {5, 100, 300, 511};
  // One block and blocks of one row must agree with the plain forward pass. Inference is
  // batch-invariant, so the logits are the same bits either way and what remains is the float32
  // log-softmax against the exact (float64) one of the same logits x: x_j - m (m = max x), the exp of
  // V terms (< 2u each) and their sum S (gamma(V)), log S and the last subtraction, each within u of
  // its magnitude.
  torch::NoGradGuard inference;
  const int64_t V = model.config.vocab_size;
  for (int64_t max_tokens : {int64_t(16384), int64_t(8)}) {
    const auto got = next_token_log_probs(model, prompts, tokens, max_tokens);
    ASSERT_EQ(got.size(), prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      const int64_t T = static_cast<int64_t>(prompts[i].size());
      torch::Tensor ids = torch::tensor(std::vector<int64_t>(prompts[i].begin(), prompts[i].end())).unsqueeze(0);
      torch::Tensor logits = forward(model, ids, torch::arange(T).unsqueeze(0), torch::Tensor(), nullptr)[0][-1];
      const torch::Tensor x = logits.to(torch::kFloat64), want = torch::log_softmax(x, -1);
      const double m = x.max().item<double>(), log_s = (x - m).exp().sum().log().item<double>();
      for (size_t j = 0; j < tokens.size(); ++j) {
        const double lp = want[tokens[j]].item<double>(), xj = x[tokens[j]].item<double>();
        const double bound = testing::kFloat32Unit * (std::fabs(xj - m) + std::fabs(log_s) + std::fabs(lp)) +
                             testing::gamma_float32(V) + 2 * testing::kFloat32Unit;
        EXPECT_NEAR(got[i][j], lp, bound) << "prompt " << i << " token " << tokens[j];
        // and, the same logits being the same bits, exactly libtorch's float32 log-softmax of them
        EXPECT_EQ(got[i][j], static_cast<double>(torch::log_softmax(logits, -1)[tokens[j]].item<float>()));
      }
    }
  }
  EXPECT_ERROR_CONTAINS(next_token_log_probs(model, {{}}, tokens), "prompt 0 is empty");
  EXPECT_ERROR_CONTAINS(next_token_log_probs(model, prompts, {512}), "candidate token id 512 outside the vocabulary");
}

}  // namespace
}  // namespace iwsi
