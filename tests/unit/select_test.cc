// Selection (../shared/docs/IWSI.md sections 1-3 and 5): majority vote and entropy, DS weights, the exact
// percentile rule, and every strategy on a small table whose results are worked out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "expect_error.h"
#include "select/ds_weight.h"
#include "select/percentile.h"
#include "select/strategy.h"
#include "select/vote.h"

namespace iwsi {
namespace {

using Answers = std::vector<std::optional<std::string>>;
const std::nullopt_t none = std::nullopt;

using testing::error_of;

// ---- majority vote -------------------------------------------------------------------------

TEST(MajorityVote, MostFrequentParsableAnswerWins) {
  const Vote v = majority_vote({"3", "5", none, "5", "3", "5"});
  EXPECT_EQ(v.majority, "5");
  EXPECT_EQ(v.majority_count, 3);
  EXPECT_EQ(v.parsed, 5);
  EXPECT_DOUBLE_EQ(v.vote_share, 0.5);
}

TEST(MajorityVote, TiesGoToTheAnswerThatAppearedFirst) {
  EXPECT_EQ(majority_vote({"7", "2", "2", "7"}).majority, "7");
  EXPECT_EQ(majority_vote({none, "2", "7", "7", "2"}).majority, "2");
}

TEST(MajorityVote, UnparsableSamplesDoNotVoteEvenWhenTheyAreTheMost) {
  const Vote v = majority_vote({none, none, none, "4"});
  EXPECT_EQ(v.majority, "4");
  EXPECT_EQ(v.majority_count, 1);
}

TEST(MajorityVote, AllUnparsableQuestionHasNoMajorityAndIsDropped) {
  const Answers answers = {none, none, none};
  const Vote v = majority_vote(answers);
  EXPECT_EQ(v.majority, std::nullopt);
  EXPECT_EQ(v.parsed, 0);
  EXPECT_EQ(v.majority_count, 0);
  EXPECT_DOUBLE_EQ(v.entropy, 0.0);  // one bucket: certain (of being useless)
  EXPECT_EQ(consistent_samples(answers, v), (std::vector<bool>{false, false, false}));
}

TEST(MajorityVote, EveryMajoritySampleIsConsistent) {
  const Answers answers = {"5", "3", none, "5"};
  EXPECT_EQ(consistent_samples(answers, majority_vote(answers)), (std::vector<bool>{true, false, false, true}));
}

TEST(MajorityVote, NormalizedEntropyByHand) {
  // All agree: u = 0.
  EXPECT_DOUBLE_EQ(majority_vote({"1", "1", "1", "1"}).entropy, 0.0);
  // All different (m = 4): u = log 4, normalized 1.
  EXPECT_NEAR(majority_vote({"1", "2", "3", "4"}).entropy, 1.0, 1e-12);
  // Two answers, 2 + 2: u = log 2, / log 4 = 0.5.
  EXPECT_NEAR(majority_vote({"1", "1", "2", "2"}).entropy, 0.5, 1e-12);
  // Unparsable is its own bucket: {1, 1, none, none} is the same as the case above.
  EXPECT_NEAR(majority_vote({"1", none, "1", none}).entropy, 0.5, 1e-12);
  // 3 + 1 of m = 4: u = -(3/4 log 3/4 + 1/4 log 1/4) = 0.562335..., / log 4 = 0.405639...
  EXPECT_NEAR(majority_vote({"1", "1", "1", "2"}).entropy, 0.40563906222956647, 1e-12);
  // A single sample carries no spread (log 1 = 0 would divide by zero).
  EXPECT_DOUBLE_EQ(majority_vote({"1"}).entropy, 0.0);
  EXPECT_EQ(majority_vote({}).majority, std::nullopt);
}

// filter_data.py (mode Entropy): parsed answers only, normalised by log(number parsed).
TEST(ParsedAnswerEntropy, OverParsedAnswersNormalisedByTheLogOfHowManyParsed) {
  EXPECT_DOUBLE_EQ(*parsed_answer_entropy({"1", "1", none, none}), 0.0);  // ours: 0.5
  EXPECT_NEAR(*parsed_answer_entropy({"1", "2", none, none}), 1.0, 1e-12);  // ours: 0.75
  EXPECT_NEAR(majority_vote({"1", "2", none, none}).entropy, 0.75, 1e-12);
  EXPECT_NEAR(*parsed_answer_entropy({"1", "1", "1", "2"}), 0.40563906222956647, 1e-12);
  // log(4 parsed), not log(2 distinct answers): 2 + 2 gives log 2 / log 4.
  EXPECT_NEAR(*parsed_answer_entropy({"1", "2", "1", "2"}), 0.5, 1e-12);
  // Fewer than two parsed: the official code drops the question.
  EXPECT_EQ(parsed_answer_entropy({"1", none, none}), std::nullopt);
  EXPECT_EQ(parsed_answer_entropy({none, none}), std::nullopt);
  EXPECT_EQ(parsed_answer_entropy({}), std::nullopt);
}

// ---- DS weight -----------------------------------------------------------------------------

TEST(DsWeight, SymmetricWeightIsTheLargerOfTheRatioAndItsInverse) {
  const DsWeight above = ds_weight(4.0, 2.0);  // loss above the valid mean
  EXPECT_DOUBLE_EQ(above.w_prime, 0.5);
  EXPECT_DOUBLE_EQ(above.w_ds, 2.0);
  const DsWeight below = ds_weight(1.0, 2.0);
  EXPECT_DOUBLE_EQ(below.w_prime, 2.0);
  EXPECT_DOUBLE_EQ(below.w_ds, 2.0);
  EXPECT_DOUBLE_EQ(ds_weight(2.0, 2.0).w_ds, 1.0);
}

TEST(DsWeight, CodeCapsClipWPrimeAtTwoAndTheInverseAtFive) {
  const DsWeight low_loss = ds_weight(0.5, 2.0, DsCaps::code);  // w' = 4 -> 2
  EXPECT_DOUBLE_EQ(low_loss.w_prime, 2.0);
  EXPECT_DOUBLE_EQ(low_loss.w_ds, 2.0);
  const DsWeight high_loss = ds_weight(20.0, 2.0, DsCaps::code);  // w' = 0.1, 1/w' = 10 -> 5
  EXPECT_DOUBLE_EQ(high_loss.w_prime, 0.1);
  EXPECT_DOUBLE_EQ(high_loss.w_ds, 5.0);
  EXPECT_DOUBLE_EQ(ds_weight(4.0, 2.0, DsCaps::code).w_ds, 2.0);  // inside the caps: unchanged
}

TEST(DsWeight, OneSidedVariantsTreatTheOtherSideAsUnshifted) {
  EXPECT_DOUBLE_EQ(ds_weight(4.0, 2.0, DsCaps::none, DsSide::high).w_ds, 2.0);
  EXPECT_DOUBLE_EQ(ds_weight(1.0, 2.0, DsCaps::none, DsSide::high).w_ds, 1.0);
  EXPECT_DOUBLE_EQ(ds_weight(4.0, 2.0, DsCaps::none, DsSide::low).w_ds, 1.0);
  EXPECT_DOUBLE_EQ(ds_weight(1.0, 2.0, DsCaps::none, DsSide::low).w_ds, 2.0);
  EXPECT_DOUBLE_EQ(ds_weight(20.0, 2.0, DsCaps::code, DsSide::high).w_ds, 5.0);
  EXPECT_DOUBLE_EQ(ds_weight(0.5, 2.0, DsCaps::code, DsSide::low).w_ds, 2.0);
  EXPECT_DOUBLE_EQ(ds_weight(1.0, 2.0, DsCaps::none, DsSide::low).w_prime, 2.0);  // w' itself is unchanged
}

TEST(DsWeight, BadLossesAndValidMeansAreErrors) {
  EXPECT_ERROR_CONTAINS(ds_weight(NAN, 2.0), "loss must be finite and > 0, got nan");
  EXPECT_ERROR_CONTAINS(ds_weight(INFINITY, 2.0), "loss must be finite and > 0, got inf");
  EXPECT_ERROR_CONTAINS(ds_weight(0.0, 2.0), "loss must be finite and > 0");
  EXPECT_ERROR_CONTAINS(ds_weight(1.0, 0.0), "valid mean loss must be finite and > 0, got 0");
  EXPECT_ERROR_CONTAINS(ds_weight(1.0, NAN), "valid mean loss must be finite and > 0, got nan");
  EXPECT_ERROR_CONTAINS(parse_ds_side("up"), "valid: both, high, low");
  EXPECT_EQ(parse_ds_caps("code"), DsCaps::code);
}

TEST(DsWeight, ValidMeanIsThePlainMeanOfPerSampleLosses) {
  EXPECT_DOUBLE_EQ(valid_mean_loss({1.0, 2.0, 6.0}), 3.0);
  EXPECT_ERROR_CONTAINS(valid_mean_loss({1.0, NAN}), "valid sample 1: loss must be finite and > 0, got nan");
  EXPECT_ERROR_CONTAINS(valid_mean_loss({}), "no valid losses");
}

// ---- the percentile rule -------------------------------------------------------------------

std::vector<int64_t> kept_of(const Selection& s) { return s.kept; }

TEST(Percentile, KeepsFloorOfKPercentButAtLeastOne) {
  EXPECT_EQ(kept_count(10, 80), 8);
  EXPECT_EQ(kept_count(9, 80), 7);     // 7.2 -> 7
  EXPECT_EQ(kept_count(100, 29), 29);  // 0.29 * 100 would be 28.999...
  EXPECT_EQ(kept_count(3, 33.4), 1);   // 1.002 -> 1
  EXPECT_EQ(kept_count(10, 100), 10);
  EXPECT_EQ(kept_count(10, 0.001), 1);
  EXPECT_EQ(kept_count(0, 50), 0);
  EXPECT_ERROR_CONTAINS(kept_count(10, 0), "k must be in (0, 100], got 0");
  EXPECT_ERROR_CONTAINS(kept_count(10, 100.5), "k must be in (0, 100], got 100.5");
  EXPECT_ERROR_CONTAINS(kept_count(10, NAN), "k must be in (0, 100], got nan");
}

TEST(Percentile, LowestScoresFirstWithTiesBrokenByQuestionThenSample) {
  const std::vector<Candidate> c = {
      {2, 0, 1.5}, {0, 1, 1.0}, {1, 0, 1.0}, {0, 0, 1.0}, {0, 2, 3.0},
  };
  // Sorted: (1.0,0,0)=3, (1.0,0,1)=1, (1.0,1,0)=2, (1.5,2,0)=0, (3.0,0,2)=4.
  EXPECT_EQ(kept_of(keep_lowest_percent(c, 100)), (std::vector<int64_t>{3, 1, 2, 0, 4}));
  const Selection s = keep_lowest_percent(c, 40);  // floor(2.0) = 2
  EXPECT_EQ(s.kept, (std::vector<int64_t>{3, 1}));
  EXPECT_DOUBLE_EQ(s.threshold, 1.0);
  EXPECT_EQ(kept_of(keep_lowest_percent(c, 79)), (std::vector<int64_t>{3, 1, 2}));  // floor(3.95) = 3
  const Selection one = keep_lowest_percent(c, 1);
  EXPECT_EQ(one.kept, (std::vector<int64_t>{3}));
  EXPECT_DOUBLE_EQ(keep_lowest_percent(c, 80).threshold, 1.5);
}

TEST(Percentile, HighestScoresFirstStillBreaksTiesByAscendingIndex) {
  const std::vector<Candidate> c = {{0, 0, 7.0}, {1, 1, 9.0}, {1, 0, 9.0}, {0, 1, 2.0}};
  const Selection s = keep_highest_percent(c, 75);  // 3 kept
  EXPECT_EQ(s.kept, (std::vector<int64_t>{2, 1, 0}));
  EXPECT_DOUBLE_EQ(s.threshold, 7.0);
}

TEST(Percentile, EmptyInputKeepsNothing) {
  const Selection s = keep_lowest_percent({}, 80);
  EXPECT_TRUE(s.kept.empty());
}

TEST(Percentile, BadCandidatesAreNamed) {
  EXPECT_ERROR_CONTAINS(keep_lowest_percent({{0, 0, 1.0}, {3, 4, NAN}}, 50),
                        "candidate (question 3, sample 4): score must be finite, got nan");
  EXPECT_ERROR_CONTAINS(keep_lowest_percent({{1, 2, 1.0}, {1, 2, 3.0}}, 50),
                        "candidate (question 1, sample 2) appears more than once");
}

TEST(Percentile, KeptSetDoesNotDependOnInputOrder) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> coarse(0, 4);  // few distinct scores: many ties
  std::vector<Candidate> c;
  for (int64_t q = 0; q < 40; ++q)
    for (int64_t s = 0; s < 5; ++s) c.push_back({q, s, 1.0 + 0.25 * coarse(rng)});
  auto kept_keys = [](const std::vector<Candidate>& input, double k, bool lowest) {
    const Selection sel = lowest ? keep_lowest_percent(input, k) : keep_highest_percent(input, k);
    std::vector<std::pair<int64_t, int64_t>> keys;
    for (int64_t i : sel.kept) keys.emplace_back(input[i].question_index, input[i].sample_index);
    return std::make_pair(keys, sel.threshold);
  };
  for (double k : {1.0, 33.3, 50.0, 80.0, 100.0}) {
    for (bool lowest : {true, false}) {
      const auto reference = kept_keys(c, k, lowest);
      for (int round = 0; round < 5; ++round) {
        std::vector<Candidate> shuffled = c;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        EXPECT_EQ(kept_keys(shuffled, k, lowest), reference) << "k=" << k;
      }
    }
  }
}

// ---- strategies ----------------------------------------------------------------------------

// Three questions, m = 3 samples each; gold known.
//  q0: answers 5, 5, 4 -> majority 5 (correct); losses 2.0, 4.0, 1.0; self 6, 9, 2; rm 0.1, 0.7, 0.9
//  q1: answers 7, none, 8 -> tie, 7 came first (wrong); loss 1.0;       self 8;      rm 0.5
//  q2: answers 3, 3, 3 -> majority 3 (correct); losses 1.0, 2.5, 2.0; self 1, 5, 7; rm 0.2, 0.3, 0.4
// Valid mean loss 2.0, so w' = 2/L: q0: 1, 0.5, -; q1: 2; q2: 2, 0.8, 1
// and w_DS = 1, 2, -; 2; 2, 1.25, 1. Entropy: q0 {2,1}: 0.5794; q1 {1,1,1}: 1; q2: 0.
std::vector<CandidateRow> hand_table() {
  struct Spec {
    int64_t q, s;
    std::optional<std::string> answer;
    bool correct;
    double loss, self, rm;
  };
  const std::vector<Spec> specs = {
      {0, 0, "5", true, 2.0, 6, 0.1},  {0, 1, "5", true, 4.0, 9, 0.7}, {0, 2, "4", false, 1.0, 2, 0.9},
      {1, 0, "7", false, 1.0, 8, 0.5}, {1, 1, none, false, NAN, 0, 0}, {1, 2, "8", true, 1.0, 3, 0.6},
      {2, 0, "3", true, 1.0, 1, 0.2},  {2, 1, "3", true, 2.5, 5, 0.3}, {2, 2, "3", true, 2.0, 7, 0.4},
  };
  std::vector<CandidateRow> rows;
  std::vector<double> losses;
  for (int64_t q = 0; q < 3; ++q) {
    Answers answers;
    for (const Spec& spec : specs)
      if (spec.q == q) answers.push_back(spec.answer);
    const Vote vote = majority_vote(answers);
    const std::vector<bool> consistent = consistent_samples(answers, vote);
    for (const Spec& spec : specs) {
      if (spec.q != q) continue;
      CandidateRow row;
      row.question_index = spec.q;
      row.sample_index = spec.s;
      row.parsed = spec.answer.has_value();
      row.consistent = consistent[spec.s];
      if (row.parsed) row.correct = spec.correct;
      row.question_entropy = vote.entropy;
      row.parsed_entropy = parsed_answer_entropy(answers);
      row.self_score = spec.self;
      row.rm_score = spec.rm;
      rows.push_back(row);
      losses.push_back(spec.loss);
    }
  }
  fill_ds_weights(rows, losses, 2.0);
  return rows;
}

// (question, sample) of each kept row, in result order.
std::vector<std::pair<int64_t, int64_t>> kept_keys(const std::vector<CandidateRow>& rows, const StrategyResult& r) {
  std::vector<std::pair<int64_t, int64_t>> keys;
  for (int64_t i : r.kept_rows) keys.emplace_back(rows[i].question_index, rows[i].sample_index);
  return keys;
}

using Keys = std::vector<std::pair<int64_t, int64_t>>;

TEST(SelectStrategy, HandTableHasTheExpectedConsistentSetAndWeights) {
  const auto rows = hand_table();
  std::vector<bool> consistent;
  for (const auto& row : rows) consistent.push_back(row.consistent);
  EXPECT_EQ(consistent, (std::vector<bool>{true, true, false, true, false, false, true, true, true}));
  EXPECT_DOUBLE_EQ(rows[1].ds->w_ds, 2.0);
  EXPECT_DOUBLE_EQ(rows[7].ds->w_ds, 1.25);
  EXPECT_FALSE(rows[2].ds.has_value());  // not in D_c: never scored
}

TEST(SelectStrategy, NoneKeepsEveryParsedSample) {
  const auto rows = hand_table();
  const StrategyResult r = select_for_training(rows, {Strategy::none, 80});
  EXPECT_EQ(kept_keys(rows, r), (Keys{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}, {2, 2}}));
  EXPECT_EQ(r.summary.sigma_k, std::nullopt);
}

TEST(SelectStrategy, LmsiKeepsAllOfDcWhateverK) {
  const auto rows = hand_table();
  const StrategyResult r = select_for_training(rows, {Strategy::lmsi, 10});
  EXPECT_EQ(kept_keys(rows, r), (Keys{{0, 0}, {0, 1}, {1, 0}, {2, 0}, {2, 1}, {2, 2}}));
  EXPECT_EQ(r.weights, std::vector<double>(6, 1.0));
  EXPECT_EQ(r.summary.kept, 6);
  EXPECT_EQ(r.summary.eligible, 6);
  EXPECT_EQ(r.summary.candidates, 9);
  EXPECT_EQ(r.summary.questions_covered, 3);
  EXPECT_EQ(r.summary.kept_per_question, (std::map<int64_t, int64_t>{{0, 2}, {1, 1}, {2, 3}}));
  EXPECT_DOUBLE_EQ(*r.summary.share_correct, 5.0 / 6.0);
}

TEST(SelectStrategy, IwsiKeepsTheLowestDsWeights) {
  // D_c by (w_DS, q, s): (1,0,0) (1,2,2) (1.25,2,1) (2,0,1) (2,1,0) (2,2,0); k = 50 -> 3 kept.
  const auto rows = hand_table();
  const StrategyResult r = select_for_training(rows, {Strategy::iwsi, 50});
  EXPECT_EQ(kept_keys(rows, r), (Keys{{0, 0}, {2, 1}, {2, 2}}));
  EXPECT_DOUBLE_EQ(*r.summary.sigma_k, 1.25);
  EXPECT_EQ(r.summary.questions_covered, 2);
  EXPECT_DOUBLE_EQ(*r.summary.share_correct, 1.0);
  // k = 80 -> floor(4.8) = 4: the tie at w_DS 2 goes to question 0 first.
  EXPECT_EQ(kept_keys(rows, select_for_training(rows, {Strategy::iwsi, 80})), (Keys{{0, 0}, {0, 1}, {2, 1}, {2, 2}}));
}

TEST(SelectStrategy, EntropyKeepsTheMostCertainQuestionsSamples) {
  // D_c by (entropy, q, s): q2 (0) x3, q0 (0.58) x2, q1 (1) x1; k = 50 -> 3 kept.
  const auto rows = hand_table();
  const StrategyResult r = select_for_training(rows, {Strategy::entropy, 50});
  EXPECT_EQ(kept_keys(rows, r), (Keys{{2, 0}, {2, 1}, {2, 2}}));
  EXPECT_DOUBLE_EQ(*r.summary.sigma_k, 0.0);
  const StrategyResult four = select_for_training(rows, {Strategy::entropy, 70});  // floor(4.2) = 4
  EXPECT_EQ(kept_keys(rows, four), (Keys{{0, 0}, {2, 0}, {2, 1}, {2, 2}}));
  EXPECT_NEAR(*four.summary.sigma_k, rows[0].question_entropy, 0);
}

TEST(SelectStrategy, SelfAndRmKeepTheHighestScores) {
  // D_c self scores: (0,0) 6, (0,1) 9, (1,0) 8, (2,0) 1, (2,1) 5, (2,2) 7; k = 50 -> 9, 8, 7.
  const auto rows = hand_table();
  const StrategyResult self = select_for_training(rows, {Strategy::self, 50});
  EXPECT_EQ(kept_keys(rows, self), (Keys{{0, 1}, {1, 0}, {2, 2}}));
  EXPECT_DOUBLE_EQ(*self.summary.sigma_k, 7.0);
  EXPECT_DOUBLE_EQ(*self.summary.share_correct, 2.0 / 3.0);
  // D_c rm scores: 0.1, 0.7, 0.5, 0.2, 0.3, 0.4; k = 50 -> 0.7, 0.5, 0.4.
  const StrategyResult rm = select_for_training(rows, {Strategy::rm, 50});
  EXPECT_EQ(kept_keys(rows, rm), (Keys{{0, 1}, {1, 0}, {2, 2}}));
  EXPECT_DOUBLE_EQ(*rm.summary.sigma_k, 0.4);
}

TEST(SelectStrategy, EntropyPaperKeepsWholeQuestionsAtOrBelowTheThreshold) {
  // Parsed-answer entropy: q0 {5,5,4}: 0.5794; q1 {7,8} of 2 parsed: 1; q2: 0. D_c by (H, q, s):
  // q2 x3, q0 x2, q1 x1.
  auto rows = hand_table();
  EXPECT_NEAR(*rows[0].parsed_entropy, rows[0].question_entropy, 1e-15);  // all parsed: ours = theirs
  EXPECT_DOUBLE_EQ(*rows[3].parsed_entropy, 1.0);
  // k = 70: floor(4.2) = 4 rows, the 4th is q0's, so sigma_k = H(q0) and q0 is kept whole (5 rows);
  // ours splits q0 at the 4th row.
  const StrategyResult r = select_for_training(rows, {Strategy::entropy_paper, 70});
  EXPECT_EQ(kept_keys(rows, r), (Keys{{0, 0}, {0, 1}, {2, 0}, {2, 1}, {2, 2}}));
  EXPECT_NEAR(*r.summary.sigma_k, *rows[0].parsed_entropy, 0);
  EXPECT_EQ(kept_keys(rows, select_for_training(rows, {Strategy::entropy, 70})).size(), 4u);
  EXPECT_EQ(kept_keys(rows, select_for_training(rows, {Strategy::entropy_paper, 50})), (Keys{{2, 0}, {2, 1}, {2, 2}}));
  // A question with one parsed answer has no entropy and is dropped, even at k = 100.
  CandidateRow lone;
  lone.question_index = 3;
  lone.parsed = lone.consistent = true;
  lone.question_entropy = majority_vote({"6", none, none}).entropy;
  lone.parsed_entropy = parsed_answer_entropy({"6", none, none});
  rows.push_back(lone);
  const StrategyResult all = select_for_training(rows, {Strategy::entropy_paper, 100});
  EXPECT_EQ(all.summary.eligible, 6);
  EXPECT_EQ(all.kept_rows.size(), 6u);
  EXPECT_EQ(select_for_training(rows, {Strategy::entropy, 100}).kept_rows.size(), 7u);
}

TEST(SelectStrategy, SelfPaperKeepsEveryScoreAtLeastTheOneAfterTheTopKPercent) {
  // D_c self scores: (0,0) 6, (0,1) 9, (1,0) 8, (2,0) 1, (2,1) 5, (2,2) 7. k = 50: p = 3; the 4th
  // best is 6 > 0, so every score >= 6 is kept: 4 rows (ours keeps 3).
  auto rows = hand_table();
  const StrategyResult r = select_for_training(rows, {Strategy::self_paper, 50});
  EXPECT_EQ(kept_keys(rows, r), (Keys{{0, 0}, {0, 1}, {1, 0}, {2, 2}}));
  EXPECT_DOUBLE_EQ(*r.summary.sigma_k, 6.0);
  // Ties at the threshold all stay: (2,1) scored 6 too -> 5 rows.
  rows[7].self_score = 6;
  EXPECT_EQ(select_for_training(rows, {Strategy::self_paper, 50}).kept_rows.size(), 5u);
  // k = 100: everything.
  EXPECT_EQ(select_for_training(rows, {Strategy::self_paper, 100}).kept_rows.size(), 6u);
  // When the score after the top p is 0 (unparsed ratings), exactly the first p by (score, q, s).
  for (CandidateRow& row : rows) row.self_score = 0.0;
  rows[1].self_score = 9.0;
  EXPECT_EQ(kept_keys(rows, select_for_training(rows, {Strategy::self_paper, 50})), (Keys{{0, 0}, {0, 1}, {1, 0}}));
}

TEST(SelectStrategy, OracleKeepsTheCorrectSamplesOfDc) {
  const auto rows = hand_table();
  const StrategyResult r = select_for_training(rows, {Strategy::oracle, 80});
  EXPECT_EQ(kept_keys(rows, r), (Keys{{0, 0}, {0, 1}, {2, 0}, {2, 1}, {2, 2}}));
  EXPECT_EQ(r.summary.questions_covered, 2);
  EXPECT_DOUBLE_EQ(*r.summary.share_correct, 1.0);
}

TEST(SelectStrategy, IwsiWKeepsAllOfDcWeightedByCappedWPrime) {
  // w' of D_c: 1, 0.5, 2, 2, 0.8, 1; cap C = 1.5.
  const auto rows = hand_table();
  StrategyOptions options{Strategy::iwsi_w, 80};
  options.weight_cap = 1.5;
  const StrategyResult r = select_for_training(rows, options);
  EXPECT_EQ(kept_keys(rows, r), (Keys{{0, 0}, {0, 1}, {1, 0}, {2, 0}, {2, 1}, {2, 2}}));
  EXPECT_EQ(r.weights, (std::vector<double>{1.0, 0.5, 1.5, 1.5, 0.8, 1.0}));
  const StrategyResult default_cap = select_for_training(rows, {Strategy::iwsi_w, 80});
  EXPECT_EQ(default_cap.weights, (std::vector<double>{1.0, 0.5, 2.0, 2.0, 0.8, 1.0}));
}

TEST(SelectStrategy, ResultDoesNotDependOnRowOrder) {
  const auto rows = hand_table();
  std::mt19937 rng(3);
  for (const StrategyTraits& t : strategy_table()) {
    const Strategy name = t.strategy;
    const Keys reference = kept_keys(rows, select_for_training(rows, {name, 50}));
    for (int round = 0; round < 4; ++round) {
      auto shuffled = rows;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      EXPECT_EQ(kept_keys(shuffled, select_for_training(shuffled, {name, 50})), reference) << t.name;
    }
  }
}

TEST(SelectStrategy, OneTableSaysWhatEachStrategyTakes) {
  const std::vector<StrategyTraits>& table = strategy_table();
  ASSERT_EQ(table.size(), 10u);
  for (size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(table[i].strategy), i);  // traits() indexes by the enum
    EXPECT_EQ(parse_strategy(table[i].name), table[i].strategy);
  }
  auto with = [&](bool StrategyTraits::*flag) {
    std::vector<std::string> names;
    for (const StrategyTraits& t : table)
      if (t.*flag) names.push_back(t.name);
    return names;
  };
  EXPECT_EQ(with(&StrategyTraits::uses_k),
            (std::vector<std::string>{"iwsi", "entropy", "self", "rm", "entropy-paper", "self-paper"}));
  EXPECT_EQ(with(&StrategyTraits::lowest_first), (std::vector<std::string>{"iwsi", "entropy", "entropy-paper"}));
  EXPECT_EQ(with(&StrategyTraits::needs_weights), (std::vector<std::string>{"iwsi", "iwsi-w"}));
  EXPECT_EQ(with(&StrategyTraits::needs_judgments), (std::vector<std::string>{"self", "self-paper"}));
  EXPECT_EQ(with(&StrategyTraits::needs_rm_scores), (std::vector<std::string>{"rm"}));
}

TEST(SelectStrategy, InvalidInputsAreNamed) {
  auto rows = hand_table();
  EXPECT_ERROR_CONTAINS(
      parse_strategy("random"),
      "unknown selection strategy \"random\" (valid: none, lmsi, iwsi, entropy, self, rm, oracle, iwsi-w, entropy-paper, self-paper)");
  EXPECT_ERROR_CONTAINS(select_for_training(rows, {Strategy::iwsi, 0}), "k must be in (0, 100], got 0");
  EXPECT_ERROR_CONTAINS(select_for_training(rows, {Strategy::lmsi, 120}), "k must be in (0, 100], got 120");
  auto missing_score = rows;
  missing_score[7].rm_score.reset();
  EXPECT_ERROR_CONTAINS(select_for_training(missing_score, {Strategy::rm, 50}),
                        "candidate (question 2, sample 1) has no rm score");
  auto missing_weight = rows;
  missing_weight[0].ds.reset();
  EXPECT_ERROR_CONTAINS(select_for_training(missing_weight, {Strategy::iwsi, 50}),
                        "candidate (question 0, sample 0) has no DS weight");
  auto duplicate = rows;
  duplicate[1].sample_index = 0;
  EXPECT_ERROR_CONTAINS(select_for_training(duplicate, {Strategy::lmsi, 50}),
                        "candidate (question 0, sample 0) appears more than once");
  auto unknown_gold = rows;
  unknown_gold[6].correct.reset();
  EXPECT_ERROR_CONTAINS(select_for_training(unknown_gold, {Strategy::oracle, 50}),
                        "candidate (question 2, sample 0) has no gold correctness");
  EXPECT_EQ(select_for_training(unknown_gold, {Strategy::lmsi, 50}).summary.share_correct, std::nullopt);
}

TEST(SelectStrategy, NonFiniteLossesNameTheCandidate) {
  auto rows = hand_table();
  std::vector<double> losses(rows.size(), 1.0);
  losses[6] = NAN;
  EXPECT_ERROR_CONTAINS(fill_ds_weights(rows, losses, 2.0),
                        "candidate (question 2, sample 0): loss must be finite and > 0, got nan");
  losses[6] = INFINITY;
  EXPECT_ERROR_CONTAINS(fill_ds_weights(rows, losses, 2.0), "got inf");
  losses[6] = 1.0;
  losses[4] = NAN;  // (1, 1) is unparsable, so its loss is never used
  EXPECT_NO_THROW(fill_ds_weights(rows, losses, 2.0));
  EXPECT_ERROR_CONTAINS(fill_ds_weights(rows, losses, 0.0), "valid mean loss must be finite and > 0, got 0");
  EXPECT_ERROR_CONTAINS(fill_ds_weights(rows, losses, NAN), "valid mean loss must be finite and > 0, got nan");
}

}  // namespace
}  // namespace iwsi
