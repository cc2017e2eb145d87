// The batched sampling engine (src/sample/) against real numbers: stories260K greedy generations
// vs reference.json (one batch of every case and one by one), sampled outputs independent of
// batching and repeatable, seeds/streams that matter, stop ids / stop strings / length, the
// samples' log-likelihood vs a full recompute, and the token choice (temperature, top-k, top-p,
// inverse CDF, ties) on hand-made logits.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "float_bounds.h"
#include "model/checkpoint.h"
#include "model/llama.h"
#include "sample/engine.h"
#include "sample/pick.h"
#include "core/rng.h"
#include "sample/stop.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

std::string stories_dir() { return testing::shared_dir() + "/models/stories260K"; }

const json& reference_cases() {
  static const json ref = json::parse(std::ifstream(stories_dir() + "/reference.json"));
  return ref.at("cases");
}

// Loaded once; one intra-op thread, as ctest runs test processes side by side on shared cores.
const Llama& model() {
  torch::set_num_threads(1);
  static const Llama m = load_llama(stories_dir());
  return m;
}

const Tokenizer& tokenizer() {
  static const Tokenizer t = Tokenizer::load(stories_dir());
  return t;
}

std::vector<GenerationRequest> reference_requests(int64_t samples_each, uint64_t first_stream) {
  std::vector<GenerationRequest> requests;
  for (const json& c : reference_cases())
    requests.push_back({c.at("prompt_ids").get<Ids>(), samples_each, first_stream + requests.size()});
  return requests;
}

SamplingParams greedy_reference_params(int64_t max_new_tokens) {
  SamplingParams p;
  p.temperature = 0;
  p.ignore_eos = true;
  p.eos_ids = tokenizer().eos_ids();
  p.max_new_tokens = max_new_tokens;
  return p;
}

// ---- token choice on hand-made logits ------------------------------------------------------------

int64_t pick(const std::vector<float>& logits, const SamplingParams& p, double u) {
  PickScratch scratch;
  return pick_from_row(logits.data(), static_cast<int64_t>(logits.size()), p, u, std::nan(""), scratch);
}

SamplingParams with(double temperature, int64_t top_k, double top_p) {
  SamplingParams p;
  p.temperature = temperature, p.top_k = top_k, p.top_p = top_p;
  return p;
}

// Probabilities 0.1, 0.4, 0.2, 0.3 for ids 0..3: the order is 1 (0.4), 3 (0.3), 2 (0.2), 0 (0.1),
// cumulative 0.4, 0.7, 0.9, 1.0.
const std::vector<float> kFour = {std::log(0.1f), std::log(0.4f), std::log(0.2f), std::log(0.3f)};

TEST(SamplePick, GreedyTakesTheArgmaxAndTheLowestIdAmongTies) {
  EXPECT_EQ(pick(kFour, with(0, 0, 1), 0.99), 1);
  EXPECT_EQ(pick({1, 3, 2, 3, 0}, with(0, 0, 1), 0.5), 1);
  EXPECT_EQ(pick({1, 3, 2, 3, 0}, with(0, 2, 0.1), 0.0), 1);  // top-k/top-p do not matter at T = 0
}

TEST(SamplePick, InverseCdfWalksTokensByProbabilityDescending) {
  const SamplingParams p = with(1, 0, 1);
  EXPECT_EQ(pick(kFour, p, 0.0), 1);
  EXPECT_EQ(pick(kFour, p, 0.39), 1);
  EXPECT_EQ(pick(kFour, p, 0.41), 3);
  EXPECT_EQ(pick(kFour, p, 0.69), 3);
  EXPECT_EQ(pick(kFour, p, 0.71), 2);
  EXPECT_EQ(pick(kFour, p, 0.89), 2);
  EXPECT_EQ(pick(kFour, p, 0.91), 0);
  EXPECT_EQ(pick(kFour, p, 0.9999999), 0);
}

TEST(SamplePick, EqualProbabilitiesGoInIdOrder) {
  // p = (1, e, 1) / (2 + e): order 1, 0, 2.
  const std::vector<float> logits = {0, 1, 0};
  const double p1 = std::exp(1.0) / (2 + std::exp(1.0)), p0 = 1 / (2 + std::exp(1.0));
  EXPECT_EQ(pick(logits, with(1, 0, 1), p1 - 1e-3), 1);
  EXPECT_EQ(pick(logits, with(1, 0, 1), p1 + 1e-3), 0);
  EXPECT_EQ(pick(logits, with(1, 0, 1), p1 + p0 + 1e-3), 2);
}

TEST(SamplePick, TemperatureScalesTheLogits) {
  // T = 2: p ~ sqrt(0.1, 0.4, 0.2, 0.3) = (0.1627, 0.3254, 0.2301, 0.2818) after normalizing;
  // order 1, 3, 2, 0 with cumulative 0.3254, 0.6072, 0.8373, 1.
  const SamplingParams p = with(2, 0, 1);
  EXPECT_EQ(pick(kFour, p, 0.32), 1);
  EXPECT_EQ(pick(kFour, p, 0.33), 3);
  EXPECT_EQ(pick(kFour, p, 0.60), 3);
  EXPECT_EQ(pick(kFour, p, 0.62), 2);
  EXPECT_EQ(pick(kFour, p, 0.83), 2);
  EXPECT_EQ(pick(kFour, p, 0.84), 0);
  // T = 0.5: p ~ (0.01, 0.16, 0.04, 0.09) / 0.30: cumulative 0.5333, 0.8333, 0.9667, 1.
  EXPECT_EQ(pick(kFour, with(0.5, 0, 1), 0.53), 1);
  EXPECT_EQ(pick(kFour, with(0.5, 0, 1), 0.54), 3);
  EXPECT_EQ(pick(kFour, with(0.5, 0, 1), 0.97), 0);
}

TEST(SamplePick, TopKKeepsTheKMostLikelyAndRenormalizes) {
  // Top 2: ids 1 (0.4) and 3 (0.3), renormalized 0.5714 / 0.4286.
  const SamplingParams p = with(1, 2, 1);
  EXPECT_EQ(pick(kFour, p, 0.56), 1);
  EXPECT_EQ(pick(kFour, p, 0.58), 3);
  EXPECT_EQ(pick(kFour, p, 0.9999), 3);
  EXPECT_EQ(pick(kFour, with(1, 1, 1), 0.9999), 1);
  EXPECT_EQ(pick(kFour, with(1, 10, 1), 0.95), 0);  // k beyond the vocabulary: everything
}

TEST(SamplePick, TopPKeepsTheSmallestPrefixReachingP) {
  // top_p 0.6: 0.4 < 0.6 <= 0.7, so ids 1 and 3 as with top-k 2.
  EXPECT_EQ(pick(kFour, with(1, 0, 0.6), 0.56), 1);
  EXPECT_EQ(pick(kFour, with(1, 0, 0.6), 0.58), 3);
  // top_p 0.75: ids 1, 3, 2 (mass 0.9): cumulative 0.444, 0.778, 1.
  EXPECT_EQ(pick(kFour, with(1, 0, 0.75), 0.77), 3);
  EXPECT_EQ(pick(kFour, with(1, 0, 0.75), 0.79), 2);
  EXPECT_EQ(pick(kFour, with(1, 0, 0.75), 0.9999), 2);
  // top_p 0.3: the first token alone.
  EXPECT_EQ(pick(kFour, with(1, 0, 0.3), 0.9999), 1);
  // Top-k first, then top-p of the renormalized top-k: top 3 = (0.4, 0.3, 0.2) / 0.9 =
  // (0.444, 0.333, 0.222); top_p 0.7 -> ids 1, 3 (0.778 >= 0.7), renormalized 0.571 / 0.429.
  EXPECT_EQ(pick(kFour, with(1, 3, 0.7), 0.56), 1);
  EXPECT_EQ(pick(kFour, with(1, 3, 0.7), 0.58), 3);
  EXPECT_EQ(pick(kFour, with(1, 3, 0.7), 0.9999), 3);
}

TEST(SamplePick, PartialCandidatesDecideOrSayTheyCannot) {
  // The two highest of kFour, as the device would send them.
  std::vector<float> l = {std::log(0.4f), std::log(0.3f)};
  std::vector<int64_t> ids = {1, 3};
  Candidates c{l.data(), ids.data(), 2, false, 0.0};  // lse = log(1) = 0
  const SamplingParams p = with(1, 0, 1);
  // Only id 1 has a known rank (id 3's logit is the smallest sent; a tie might hide outside).
  EXPECT_EQ(pick_token(c, p, 0.39), 1);
  EXPECT_EQ(pick_token(c, p, 0.41), -1);
  EXPECT_EQ(pick_token(c, with(1, 1, 1), 0.99), 1);
  EXPECT_EQ(pick_token(c, with(1, 2, 1), 0.1), -1);  // the top-2 set is not known
  EXPECT_EQ(pick_token(c, with(1, 0, 0.3), 0.99), 1);
  EXPECT_EQ(pick_token(c, with(1, 0, 0.5), 0.1), -1);  // the nucleus reaches past the known ranks
  EXPECT_EQ(pick_token(c, with(0, 0, 1), 0.5), 1);
  // All candidates tied: greedy cannot know the lowest id.
  std::vector<float> tied = {1, 1};
  Candidates t{tied.data(), ids.data(), 2, false, 0.0};
  EXPECT_EQ(pick_token(t, with(0, 0, 1), 0.5), -1);
}

TEST(SamplePick, SortCandidatesOrdersByLogitThenId) {
  std::vector<float> l = {1, 3, 2, 3, 0, 3};
  std::vector<int64_t> ids = {10, 12, 11, 9, 13, 14};
  sort_candidates(l.data(), ids.data(), 6);
  EXPECT_EQ(ids, (std::vector<int64_t>{9, 12, 14, 11, 10, 13}));
  EXPECT_EQ(l, (std::vector<float>{3, 3, 3, 2, 1, 0}));
}

TEST(SampleRng, CounterUniformIsAPureFunctionOfItsFourKeys) {
  const double u = counter_uniform(1, 2, 3, 4);
  EXPECT_EQ(u, counter_uniform(1, 2, 3, 4));
  std::set<double> seen = {u};
  for (uint64_t d = 1; d < 4; ++d) {
    seen.insert(counter_uniform(1 + d, 2, 3, 4));
    seen.insert(counter_uniform(1, 2 + d, 3, 4));
    seen.insert(counter_uniform(1, 2, 3 + d, 4));
    seen.insert(counter_uniform(1, 2, 3, 4 + d));
  }
  EXPECT_EQ(seen.size(), 13u);
  EXPECT_NE(counter_uniform(0, 1, 0, 0), counter_uniform(0, 0, 1, 0));  // keys are not interchangeable
  double sum = 0, low = 1, high = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double v = counter_uniform(7, 0, 0, i);
    sum += v, low = std::min(low, v), high = std::max(high, v);
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_GE(low, 0.0);
  EXPECT_LT(high, 1.0);
}

// ---- the engine on stories260K -------------------------------------------------------------------

TEST(SampleEngine, GreedyReproducesReferenceAsOneBatchOfEveryCase) {
  std::vector<GenerationRequest> requests = reference_requests(1, 0);
  int64_t longest = 0;
  for (const json& c : reference_cases()) longest = std::max(longest, c.at("max_new_tokens").get<int64_t>());
  const std::vector<Sample> got = generate(model(), tokenizer(), requests, greedy_reference_params(longest));
  ASSERT_EQ(got.size(), reference_cases().size());
  for (size_t i = 0; i < got.size(); ++i) {
    const json& c = reference_cases()[i];
    const Ids want = c.at("generated_ids").get<Ids>();
    EXPECT_EQ(got[i].request, static_cast<int64_t>(i));
    EXPECT_EQ(got[i].length, longest);
    EXPECT_EQ(got[i].finish, FinishReason::length);
    const Ids prefix(got[i].token_ids.begin(), got[i].token_ids.begin() + want.size());
    EXPECT_EQ(prefix, want) << c.at("name");
    EXPECT_EQ(tokenizer().decode(prefix, true), c.at("generated_text").get<std::string>()) << c.at("name");
    if (want.size() == got[i].token_ids.size()) {
      EXPECT_EQ(got[i].text, c.at("generated_text").get<std::string>());
    }
  }
}

TEST(SampleEngine, GreedyReproducesReferenceOneCaseAtATime) {
  for (const json& c : reference_cases()) {
    const std::vector<Sample> got = generate(model(), tokenizer(), {{c.at("prompt_ids").get<Ids>(), 1, 0}},
                                             greedy_reference_params(c.at("max_new_tokens").get<int64_t>()));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].token_ids, c.at("generated_ids").get<Ids>()) << c.at("name");
    EXPECT_EQ(got[0].text, c.at("generated_text").get<std::string>()) << c.at("name");
  }
}

SamplingParams sampled_params(int64_t top_k, double top_p) {
  SamplingParams p;
  p.temperature = 1.0, p.top_k = top_k, p.top_p = top_p;
  p.max_new_tokens = 40;
  p.eos_ids = tokenizer().eos_ids();
  p.stop_token_ids = {1};  // stories260K ends a story with <s>: rows finish at different steps
  p.stop_strings = {"."};
  p.seed = 1234;
  return p;
}

// float32 inference is batch-invariant (a row's logits have the same bits in any batch shape) and a
// row's likelihood is summed from its own logits alone: samples are equal, likelihoods bit for bit.
void expect_same_samples(const std::vector<Sample>& a, const std::vector<Sample>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].request, b[i].request) << what;
    EXPECT_EQ(a[i].sample_index, b[i].sample_index) << what;
    EXPECT_EQ(a[i].token_ids, b[i].token_ids) << what << ": request " << a[i].request << " sample " << a[i].sample_index;
    EXPECT_EQ(a[i].text, b[i].text) << what;
    EXPECT_EQ(a[i].finish, b[i].finish) << what;
    EXPECT_EQ(a[i].sum_logprob, b[i].sum_logprob) << what;
  }
}

TEST(SampleEngine, SamplesDoNotDependOnBatchingAndRepeat) {
  const std::vector<GenerationRequest> requests = reference_requests(5, 100);
  SamplingParams hot = sampled_params(0, 1.0);
  hot.temperature = 1.5;  // flat enough that some rows need their whole logits row (pick.h)
  for (const SamplingParams& p : {sampled_params(0, 1.0), sampled_params(50, 0.9), hot}) {
    const std::string label = "T " + std::to_string(p.temperature) + " top_k " + std::to_string(p.top_k) +
                              " top_p " + std::to_string(p.top_p);
    const std::vector<Sample> together = generate(model(), tokenizer(), requests, p, {64});
    expect_same_samples(together, generate(model(), tokenizer(), requests, p, {64}), label + ", repeated");
    expect_same_samples(together, generate(model(), tokenizer(), requests, p, {1}), label + ", 1 row at a time");
    expect_same_samples(together, generate(model(), tokenizer(), requests, p, {3}), label + ", 3 rows at a time");
    expect_same_samples(together, generate(model(), tokenizer(), requests, p, {64, 1}), label + ", prefill 1 prompt at a time");
    std::vector<Sample> alone;
    for (size_t r = 0; r < requests.size(); ++r) {
      for (Sample s : generate(model(), tokenizer(), {requests[r]}, p)) {
        s.request = static_cast<int64_t>(r);
        alone.push_back(s);
      }
    }
    expect_same_samples(together, alone, label + ", one request per call");
    std::set<int64_t> lengths;
    for (const Sample& s : together) lengths.insert(s.length);
    EXPECT_GE(lengths.size(), 5u) << "rows should finish at different steps for compaction to be exercised";
  }
}

TEST(SampleEngine, SeedsStreamsAndSampleIndicesGiveDifferentSamples) {
  SamplingParams p = sampled_params(0, 1.0);
  p.stop_token_ids.clear(), p.stop_strings.clear(), p.ignore_eos = true;
  const Ids prompt = reference_cases()[0].at("prompt_ids").get<Ids>();
  const std::vector<Sample> base = generate(model(), tokenizer(), {{prompt, 8, 5}}, p);
  std::set<Ids> distinct;
  for (const Sample& s : base) distinct.insert(s.token_ids);
  EXPECT_GE(distinct.size(), 7u) << "8 samples of one prompt should differ";
  SamplingParams other_seed = p;
  other_seed.seed = p.seed + 1;
  EXPECT_NE(generate(model(), tokenizer(), {{prompt, 1, 5}}, other_seed)[0].token_ids, base[0].token_ids);
  EXPECT_NE(generate(model(), tokenizer(), {{prompt, 1, 6}}, p)[0].token_ids, base[0].token_ids);
  EXPECT_EQ(generate(model(), tokenizer(), {{prompt, 1, 5}}, p)[0].token_ids, base[0].token_ids);
}

TEST(SampleEngine, StopStringCutsTheTextAtTheTokenThatCompletesIt) {
  SamplingParams p = greedy_reference_params(96);
  p.stop_strings = {"."};
  const std::vector<Sample> got = generate(model(), tokenizer(), reference_requests(1, 0), p);
  for (const Sample& s : got) {
    ASSERT_FALSE(s.token_ids.empty());
    const std::string full = tokenizer().decode(s.token_ids, true);
    const Ids before(s.token_ids.begin(), s.token_ids.end() - 1);
    EXPECT_EQ(s.finish, FinishReason::stop_string) << full;
    EXPECT_NE(full.find('.'), std::string::npos) << full;
    EXPECT_EQ(tokenizer().decode(before, true).find('.'), std::string::npos) << full;
    EXPECT_EQ(s.text, full.substr(0, full.find('.')));
    EXPECT_EQ(s.length, static_cast<int64_t>(s.token_ids.size()));
  }
  EXPECT_EQ(got[0].text, "Once upon a time, there was a little girl named Lily");
}

TEST(SampleStop, StopStringsAcrossByteFallbackTokens) {
  // Characters missing from the vocabulary are spelled as their UTF-8 bytes; a window that starts
  // inside such a run must not hide or invent a stop string.
  const Ids ids = tokenizer().encode("Tom ate a 🍎 and said é! then left.", false);
  for (const std::string stop : {"🍎", "é!", "left."}) {
    SamplingParams p;
    p.stop_strings = {stop};
    const StopRules rules(p, tokenizer());
    Ids generated;
    size_t hit = ids.size();
    for (size_t i = 0; i < ids.size() && hit == ids.size(); ++i) {
      generated.push_back(ids[i]);
      if (rules.stop_string_reached(generated)) hit = i;
    }
    ASSERT_LT(hit, ids.size()) << stop;
    const std::string full = tokenizer().decode(generated, true);
    const Ids before(generated.begin(), generated.end() - 1);
    EXPECT_NE(full.find(stop), std::string::npos) << stop;
    EXPECT_EQ(tokenizer().decode(before, true).find(stop), std::string::npos) << stop;
    EXPECT_EQ(rules.final_text(generated), full.substr(0, full.find(stop))) << stop;
  }
}

TEST(SampleEngine, EndOfStoryTokenStopsAsStopTokenOrAsEos) {
  SamplingParams p = greedy_reference_params(400);
  p.ignore_eos = false;
  p.stop_token_ids = {1};  // <s>: how stories260K ends a story
  const std::vector<Sample> as_stop = generate(model(), tokenizer(), reference_requests(1, 0), p);
  for (const Sample& s : as_stop) {
    EXPECT_EQ(s.finish, FinishReason::stop_token);
    EXPECT_EQ(s.token_ids.back(), 1);
    EXPECT_LT(s.length, 400);
    EXPECT_EQ(s.text, tokenizer().decode(s.token_ids, true));
  }
  p.stop_token_ids.clear();
  p.eos_ids = {1, 2};
  const std::vector<Sample> as_eos = generate(model(), tokenizer(), reference_requests(1, 0), p);
  for (size_t i = 0; i < as_eos.size(); ++i) {
    EXPECT_EQ(as_eos[i].finish, FinishReason::eos);
    EXPECT_EQ(as_eos[i].token_ids, as_stop[i].token_ids);
  }
  p.ignore_eos = true;
  for (const Sample& s : generate(model(), tokenizer(), reference_requests(1, 0), p)) {
    EXPECT_EQ(s.finish, FinishReason::length);
    EXPECT_EQ(s.length, 400);
  }
}

TEST(SampleEngine, LengthFinishAndEmptyRequests) {
  SamplingParams p = sampled_params(0, 1.0);
  p.stop_token_ids.clear(), p.stop_strings.clear(), p.eos_ids.clear();
  p.max_new_tokens = 5;
  std::vector<GenerationRequest> requests = reference_requests(2, 0);
  requests[1].num_samples = 0;
  const std::vector<Sample> got = generate(model(), tokenizer(), requests, p);
  ASSERT_EQ(got.size(), 8u);
  for (const Sample& s : got) {
    EXPECT_EQ(s.finish, FinishReason::length);
    EXPECT_EQ(s.length, 5);
    EXPECT_NE(s.request, 1);
  }
  p.max_new_tokens = 0;
  for (const Sample& s : generate(model(), tokenizer(), requests, p)) EXPECT_EQ(s.length, 0);
  EXPECT_STREQ(finish_reason_name(FinishReason::eos), "eos");
  EXPECT_STREQ(finish_reason_name(FinishReason::stop_token), "stop_token");
  EXPECT_STREQ(finish_reason_name(FinishReason::stop_string), "stop_string");
  EXPECT_STREQ(finish_reason_name(FinishReason::length), "length");
}

// max_length counts prompt + generated tokens, as transformers' max_length: each row stops where
// its own prompt leaves room, and a prompt already at the limit still gets its first token; the
// tokens it does generate are those of a run without the limit.
TEST(SampleEngine, MaxLengthCountsThePromptAndEndsEachRowByLength) {
  SamplingParams p = sampled_params(0, 1.0);
  p.stop_token_ids.clear(), p.stop_strings.clear(), p.eos_ids.clear();
  p.max_new_tokens = 20;
  std::vector<GenerationRequest> requests = reference_requests(3, 0);
  const std::vector<Sample> unlimited = generate(model(), tokenizer(), requests, p);
  int64_t shortest = 1 << 30;
  for (const GenerationRequest& r : requests) shortest = std::min<int64_t>(shortest, r.prompt_ids.size());
  p.max_length = shortest + 6;
  const std::vector<Sample> got = generate(model(), tokenizer(), requests, p);
  ASSERT_EQ(got.size(), unlimited.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const int64_t prompt = static_cast<int64_t>(requests[got[i].request].prompt_ids.size());
    EXPECT_EQ(got[i].length, std::max<int64_t>(1, std::min<int64_t>(20, p.max_length - prompt))) << i;
    EXPECT_EQ(got[i].finish, FinishReason::length);
    EXPECT_EQ(got[i].token_ids, std::vector<int32_t>(unlimited[i].token_ids.begin(),
                                                     unlimited[i].token_ids.begin() + got[i].length)) << i;
  }
  p.max_length = -1;
  EXPECT_ANY_THROW(generate(model(), tokenizer(), requests, p));
}

// The sample's sum_logprob is the model's own log-likelihood at T = 1, whatever the sampling
// temperature/top-k/top-p: compare with log_softmax of one full forward over prompt + generation.
TEST(SampleEngine, SumLogprobMatchesAFullRecompute) {
  SamplingParams p = sampled_params(50, 0.9);
  p.temperature = 0.8;
  const std::vector<GenerationRequest> requests = reference_requests(3, 0);
  torch::NoGradGuard inference;  // the engine's kernels: the logits below are the same bits it saw
  double worst = 0;
  for (const Sample& s : generate(model(), tokenizer(), requests, p)) {
    Ids seq = requests[s.request].prompt_ids;
    const int64_t P = static_cast<int64_t>(seq.size());
    seq.insert(seq.end(), s.token_ids.begin(), s.token_ids.end());
    const int64_t S = static_cast<int64_t>(seq.size());
    torch::Tensor ids = torch::tensor(std::vector<int64_t>(seq.begin(), seq.end()), torch::kLong).unsqueeze(0);
    torch::Tensor logits = forward(model(), ids, torch::arange(S, torch::kLong).unsqueeze(0), {}, nullptr)[0];  // (S, V)
    torch::Tensor logp = logits.to(torch::kFloat64).log_softmax(-1);
    double want = 0;
    for (int64_t t = P; t < S; ++t) want += logp[t - 1][seq[t]].item<double>();
    worst = std::max(worst, std::abs(want - s.sum_logprob));
    // Same float32 logits; only the float64 log-sum-exp differs in order: per token gamma64(V) plus a
    // few roundings at the scale of the logits and of log V.
    const int64_t V = logits.size(-1);
    const double scale = logits.abs().max().item<double>() + std::log(static_cast<double>(V));
    EXPECT_NEAR(s.sum_logprob, want, (S - P) * (testing::gamma_float64(V) + 8 * testing::kFloat64Unit) * scale);
    EXPECT_LT(s.sum_logprob, 0);
  }
  std::printf("[ info     ] max |sum_logprob - full recompute| = %.3g\n", worst);
}

TEST(SampleEngine, ProgressCountsEveryGeneratedToken) {
  SamplingParams p = sampled_params(0, 1.0);
  int64_t last = 0, calls = 0;
  const std::vector<Sample> got =
      generate(model(), tokenizer(), reference_requests(2, 0), p, {4}, [&](int64_t n) { last = n, ++calls; });
  int64_t total = 0;
  for (const Sample& s : got) total += s.length;
  EXPECT_EQ(last, total);
  EXPECT_GT(calls, 0);
}

TEST(SampleEngine, RejectsBadParametersAndRequests) {
  SamplingParams p;
  p.temperature = -1;
  EXPECT_THROW(generate(model(), tokenizer(), reference_requests(1, 0), p), Error);
  p = SamplingParams();
  p.top_p = 0;
  EXPECT_THROW(generate(model(), tokenizer(), reference_requests(1, 0), p), Error);
  p = SamplingParams();
  EXPECT_THROW(generate(model(), tokenizer(), {{{}, 1, 0}}, p), Error);
  EXPECT_THROW(generate(model(), tokenizer(), {{{1, 100000}, 1, 0}}, p), Error);
  EXPECT_THROW(generate(model(), tokenizer(), reference_requests(1, 0), p, {0}), Error);
}

}  // namespace
}  // namespace iwsi
