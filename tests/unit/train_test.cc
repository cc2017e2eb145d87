// The single-process pieces of fine-tuning (src/train), each against an independent reference:
// the schedule against closed forms, AdamW against libtorch's own torch::optim::AdamW, the data
// order as permutations and batches, the differentiable answer loss against answer_nll and its
// gradient against finite differences, the flat gradient buffer, tokenization with max_length,
// GSM8K JSON Lines, and the run fingerprint. The data-parallel loop is tested under MPI
// (tests/mpi/train_mpi_test.cc) and end to end (tests/jobs/train_job.sh).
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>  // the reference optimizer

#include <cmath>
#include <fstream>
#include <set>

#include "core/error.h"
#include "float_bounds.h"
#include "model/checkpoint.h"
#include "model/loss.h"
#include "score/sft_tokens.h"
#include "test_paths.h"
#include "train/adamw.h"
#include "train/batch_order.h"
#include "train/fingerprint.h"
#include "train/flat_parameters.h"
#include "train/schedule.h"
#include "train/token_loss.h"
#include "train/trainer.h"
#include "train/training_set.h"
#include "pipeline/training_texts.h"

namespace iwsi {
namespace {

std::string stories_dir() { return testing::shared_dir() + "/models/stories260K"; }

// ---- schedule -----------------------------------------------------------------------------------

TEST(Schedule, CosineWithoutWarmupStartsAtThePeakAndHalvesAtTheMiddle) {
  const ScheduleConfig c{"cosine", 3e-4, 0, 10};
  EXPECT_DOUBLE_EQ(learning_rate(c, 0), 3e-4);
  EXPECT_NEAR(learning_rate(c, 5), 1.5e-4, 1e-18);
  EXPECT_NEAR(learning_rate(c, 9), 3e-4 * 0.5 * (1 + std::cos(M_PI * 0.9)), 1e-18);
  EXPECT_NEAR(learning_rate(c, 10), 0.0, 1e-18);
}

TEST(Schedule, WarmupRisesLinearlyThenDecays) {
  const ScheduleConfig cosine{"cosine", 1.0, 2, 10}, linear{"linear", 1.0, 2, 10};
  EXPECT_DOUBLE_EQ(learning_rate(cosine, 0), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate(cosine, 1), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate(cosine, 2), 1.0);
  EXPECT_NEAR(learning_rate(cosine, 6), 0.5, 1e-15);  // half way through the 8 decaying steps
  EXPECT_DOUBLE_EQ(learning_rate(linear, 4), 0.75);
  EXPECT_DOUBLE_EQ(learning_rate(linear, 10), 0.0);
  EXPECT_THROW(check_schedule({"constant", 1.0, 0, 10}), Error);
}

// ---- AdamW --------------------------------------------------------------------------------------

TEST(AdamW, MatchesLibtorchAdamWBitForBitWithChangingLearningRate) {
  torch::manual_seed(7);
  const torch::Tensor start = torch::randn({37});
  torch::Tensor mine = start.clone();
  torch::Tensor theirs = start.clone().requires_grad_(true);
  const AdamWConfig config{0.9, 0.999, 1e-6, 0.01};
  torch::optim::AdamW reference({theirs}, torch::optim::AdamWOptions(1.0).betas({0.9, 0.999}).eps(1e-6).weight_decay(0.01));
  AdamWState state = adamw_state_like(mine);
  for (int step = 0; step < 6; ++step) {
    const double lr = 1e-2 / (1 + step);
    const torch::Tensor grad = torch::randn({37}) * (step + 1);
    adamw_step(mine, grad, state, config, lr);
    static_cast<torch::optim::AdamWOptions&>(reference.param_groups()[0].options()).lr(lr);
    theirs.mutable_grad() = grad.clone();
    reference.step();
  }
  EXPECT_EQ(state.step, 6);
  EXPECT_GT((mine - start).abs().min().item<double>(), 1e-4);  // every element moved
  EXPECT_TRUE(testing::tensors_equal(mine, theirs.detach())) << (mine - theirs.detach()).abs().max().item<double>();
}

// ---- data order ---------------------------------------------------------------------------------

TEST(BatchOrder, EveryEpochIsAPermutationThatDependsOnSeedAndEpoch) {
  const std::vector<int64_t> a = epoch_order(50, 3, 0), b = epoch_order(50, 3, 1), c = epoch_order(50, 4, 0);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 50u);
  EXPECT_EQ(*std::max_element(a.begin(), a.end()), 49);
  EXPECT_EQ(a, epoch_order(50, 3, 0));
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
}

TEST(BatchOrder, BatchesCoverEachEpochOnceAndTheLastOneIsSmaller) {
  const BatchPlan plan = make_batch_plan(10, 4, 2, -1);
  EXPECT_EQ(plan.steps_per_epoch, 3);
  EXPECT_EQ(plan.total_steps, 6);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::vector<int64_t> seen;
    for (int64_t s = 0; s < 3; ++s) {
      const std::vector<int64_t> batch = global_batch(plan, 9, epoch * 3 + s);
      EXPECT_EQ(batch.size(), s < 2 ? 4u : 2u);
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
    EXPECT_EQ(seen, epoch_order(10, 9, epoch));
  }
  EXPECT_DOUBLE_EQ(epochs_done(plan, 4), 4.0 / 3.0);
  const BatchPlan longer = make_batch_plan(10, 4, 2, 7);  // max_steps goes on into a third epoch
  EXPECT_EQ(longer.total_steps, 7);
  const std::vector<int64_t> third = epoch_order(10, 9, 2);
  EXPECT_EQ(global_batch(longer, 9, 6), std::vector<int64_t>(third.begin(), third.begin() + 4));
}

TEST(BatchOrder, AnEmptyTrainingSetIsRefused) {
  try {
    make_batch_plan(0, 4, 1, -1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the training set is empty"), std::string::npos) << e.what();
  }
}

TEST(BatchOrder, DropoutSeedsDependOnSampleAndEpochOnly) {
  EXPECT_EQ(dropout_seed(1, 2, 3), dropout_seed(1, 2, 3));
  EXPECT_NE(dropout_seed(1, 2, 3), dropout_seed(1, 2, 4));
  EXPECT_NE(dropout_seed(1, 2, 3), dropout_seed(1, 3, 3));
  EXPECT_NE(dropout_seed(1, 2, 3), dropout_seed(2, 2, 3));
  EXPECT_GE(dropout_seed(5, 0, 0), 0);
}

// ---- the differentiable loss --------------------------------------------------------------------

TokenSample token_sample(std::vector<int32_t> prompt, const std::vector<int32_t>& answer, double weight = 1) {
  TokenSample s;
  s.prompt_length = static_cast<int64_t>(prompt.size());
  s.ids = std::move(prompt);
  s.ids.insert(s.ids.end(), answer.begin(), answer.end());
  s.weight = weight;
  return s;
}

// In float64, where the two implementations (the scoring job's and the trainer's) differ only by
// rounding: every value is a sum of at most n = 10^4 terms (vocab, hidden size, tokens) of magnitude
// below 100, a few such sums deep, so they agree far below 10 * gamma64(n) * 100 ~ 1e-9.
TEST(TokenLoss, EqualsAnswerNllInOneBatchAndAlone) {
  torch::set_num_threads(1);
  const Llama model = load_llama(stories_dir(), torch::kFloat64);
  const double bound = 10 * testing::gamma_float64(10000) * 100;
  const std::vector<std::vector<int32_t>> prompts = {{1, 400, 25, 7}, {1, 33}, {1, 90, 91, 92, 93, 94, 95}};
  const std::vector<std::vector<int32_t>> answers = {{300, 301, 2}, {44, 45, 46, 47, 48, 2}, {2}};
  std::vector<TokenSample> samples;
  for (size_t i = 0; i < prompts.size(); ++i) samples.push_back(token_sample(prompts[i], answers[i]));
  const std::vector<double> expected = answer_nll(model, prompts, answers);
  const torch::Tensor batch = answer_token_nll(model, {&samples[0], &samples[1], &samples[2]});
  ASSERT_EQ(batch.sizes(), torch::IntArrayRef({3}));
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_NEAR(batch[i].item<double>(), expected[i], bound) << "sample " << i;
    EXPECT_NEAR(answer_token_nll(model, {&samples[i]})[0].item<double>(), expected[i], bound) << "sample " << i << " alone";
  }
  EXPECT_GT(expected[1], 1.0);  // a real loss, not a padding artefact
}

// The naive form of the same loss: full (T, V) logits of each sample alone, log-softmax, the answer
// targets picked one by one, weighted sum of the per-sample means.
torch::Tensor naive_weighted_loss(const Llama& m, const std::vector<TokenSample>& samples) {
  torch::Tensor total = torch::zeros({}, torch::kFloat64);
  for (const TokenSample& s : samples) {
    const int64_t S = static_cast<int64_t>(s.ids.size());
    const torch::Tensor ids = torch::tensor(std::vector<int64_t>(s.ids.begin(), s.ids.end())).unsqueeze(0);
    const torch::Tensor logp = torch::log_softmax(forward(m, ids, torch::arange(S).unsqueeze(0), {}, nullptr)[0], -1);
    torch::Tensor sum = torch::zeros({}, torch::kFloat64);
    for (int64_t t = s.prompt_length; t < S; ++t) sum = sum - logp[t - 1][s.ids[t]].to(torch::kFloat64);
    total = total + s.weight * sum / static_cast<double>(S - s.prompt_length);
  }
  return total;
}

TEST(TokenLoss, GradientMatchesTheNaiveLossAndFiniteDifferences) {
  LlamaConfig c;
  c.vocab_size = 40, c.hidden_size = 16, c.intermediate_size = 24, c.num_layers = 2, c.num_heads = 4, c.num_kv_heads = 2;
  c.head_dim = 4, c.max_position_embeddings = 64;
  Llama model = random_llama(c, 11, torch::kFloat64);  // float64 throughout: this checks the calculus, not rounding
  const std::vector<TokenSample> samples = {token_sample({1, 5, 9}, {12, 13, 2}, 0.5), token_sample({3}, {7, 8, 9, 10}, 2)};
  auto loss = [&](const Llama& m) {  // the trainer's weighted sum
    const torch::Tensor nll = answer_token_nll(m, {&samples[0], &samples[1]});
    return nll[0] * samples[0].weight + nll[1] * samples[1].weight;
  };
  torch::Tensor& w = model.layers[1].up.weight;
  w.requires_grad_(true);
  naive_weighted_loss(model, samples).backward();
  const torch::Tensor naive_grad = w.grad().clone();
  w.mutable_grad() = torch::Tensor();
  loss(model).backward();
  const torch::Tensor grad = w.grad().clone();
  // Two float64 evaluations of one gradient: sums of < 10^4 terms each, a few layers deep.
  EXPECT_LT((grad - naive_grad).abs().max().item<double>(),
            1e3 * testing::gamma_float64(10000) * naive_grad.abs().max().item<double>());

  // Central difference along the gradient direction: at h = 1e-4 the truncation error (h^2 / 6 times
  // the third derivative) is ~1e-9 for this unit-scale model and the rounding 2 u64 |loss| / h ~ 1e-11,
  // so 1e-6 relative leaves a wide margin.
  torch::NoGradGuard no_grad;
  const torch::Tensor direction = grad / grad.norm();
  const double h = 1e-4, analytic = grad.norm().item<double>();
  Llama plus = model, minus = model;
  plus.layers[1].up.weight = w.detach() + h * direction;
  minus.layers[1].up.weight = w.detach() - h * direction;
  const double numeric = (loss(plus).item<double>() - loss(minus).item<double>()) / (2 * h);
  EXPECT_NEAR(numeric, analytic, 1e-6 * analytic);
  EXPECT_GT(analytic, 1e-2);
}

TEST(TokenLoss, RefusesASampleWithoutAnswerTokens) {
  const Llama model = load_llama(stories_dir());
  const TokenSample empty = token_sample({1, 5, 9}, {});
  EXPECT_THROW(answer_token_nll(model, {&empty}), Error);
}

// ---- flat parameters ----------------------------------------------------------------------------

TEST(FlatParameters, GradientsAndMasterFollowTheGivenOrder) {
  torch::Tensor a = torch::arange(6, torch::kFloat32).view({2, 3}), b = torch::full({4}, 2.0f);
  torch::Tensor unused = torch::ones({2}, torch::kBFloat16);
  FlatParameters p = flatten_parameters({{"a", a}, {"b", b}, {"unused", unused}});
  EXPECT_EQ(p.numel(), 12);
  EXPECT_TRUE(a.requires_grad() && b.requires_grad() && unused.requires_grad());
  EXPECT_TRUE(testing::tensors_equal(p.master.narrow(0, 0, 6), torch::arange(6, torch::kFloat32)));
  ((a * a).sum() + (3 * b).sum()).backward();
  const torch::Tensor g = flat_gradients(p);  // (12)
  EXPECT_TRUE(testing::tensors_equal(g.narrow(0, 0, 6), 2 * torch::arange(6, torch::kFloat32)));
  EXPECT_TRUE(testing::tensors_equal(g.narrow(0, 6, 4), torch::full({4}, 3.0f)));
  EXPECT_TRUE(testing::tensors_equal(g.narrow(0, 10, 2), torch::zeros({2})));  // no gradient: zeros
  clear_gradients(p);
  EXPECT_FALSE(a.grad().defined());
  p.master.fill_(0.5);
  copy_master_to_model(p);
  EXPECT_TRUE(testing::tensors_equal(a, torch::full({2, 3}, 0.5f)));
  EXPECT_EQ(unused.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(testing::tensors_equal(unused, torch::full({2}, 0.5, torch::kBFloat16)));
  EXPECT_THROW(flatten_parameters({{"a", a}, {"a", b}}), Error);
}

// ---- texts and tokens ---------------------------------------------------------------------------

TEST(TrainingSet, TokensAreSftTokensCutToMaxLength) {
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  const std::vector<TrainingText> texts = {{"Q: Tom has a cat.\nA: ", "The cat is big. The answer is 1.", 1.0},
                                           {"Q: Sam ran far away from the big dog in the park.\nA: ", "He ran.", 0.25}};
  const SftTokens first = sft_tokens(tokenizer, texts[0].prompt, texts[0].answer);
  const TrainingSet whole = tokenize_training_texts(tokenizer, texts, 1000);
  ASSERT_EQ(whole.samples.size(), 2u);
  std::vector<int32_t> expected = first.prompt;
  expected.insert(expected.end(), first.answer.begin(), first.answer.end());
  EXPECT_EQ(whole.samples[0].ids, expected);
  EXPECT_EQ(whole.samples[0].prompt_length, static_cast<int64_t>(first.prompt.size()));
  EXPECT_EQ(whole.samples[0].ids.back(), tokenizer.eos_ids().front());
  EXPECT_EQ(whole.samples[1].weight, 0.25);
  EXPECT_EQ(whole.truncated + whole.dropped, 0);

  const int64_t cut = static_cast<int64_t>(first.prompt.size()) + 2;  // two answer tokens survive
  const int64_t second_prompt = static_cast<int64_t>(sft_tokens(tokenizer, texts[1].prompt, texts[1].answer).prompt.size());
  ASSERT_GE(second_prompt, cut);  // the second sample's prompt alone fills the cut
  const TrainingSet short_set = tokenize_training_texts(tokenizer, texts, cut);
  ASSERT_EQ(short_set.samples.size(), 1u);
  EXPECT_EQ(short_set.samples[0].ids, std::vector<int32_t>(expected.begin(), expected.begin() + cut));
  EXPECT_EQ(short_set.truncated, 1);
  EXPECT_EQ(short_set.dropped, 1);
  EXPECT_EQ(short_set.tokens, cut);
}

TEST(SftTokens, PromptIsEncodedAsGenerationEncodesItAndTheAnswerContinuesIt) {
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  const std::string prompt = "Q: Tom has a cat.\nA: ", answer = "The cat is big.";
  const SftTokens tokens = sft_tokens(tokenizer, prompt, answer);
  EXPECT_EQ(tokens.prompt, tokenizer.encode(prompt, true));  // what generate / eval feed the model
  std::vector<int32_t> expected = tokenizer.encode_continuation(answer);
  expected.push_back(tokenizer.eos_ids().front());
  EXPECT_EQ(tokens.answer, expected);
  std::vector<int32_t> all = tokens.prompt;
  all.insert(all.end(), tokens.answer.begin(), tokens.answer.end());
  EXPECT_EQ(tokenizer.decode(all, true), prompt + answer);
}

TEST(SftTokens, AGeneratedSampleIsTrainedOnTheModelsOwnIds) {
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  const int32_t eos = tokenizer.eos_ids().front();
  const std::string prompt = "Q: Tom has a cat.\nA: ";
  auto ids_of = [&](const std::string& text) { return tokenizer.encode_continuation(text); };
  auto plus = [](std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // Ids a tokenizer would never choose for the text: the model's own spelling must survive.
  const std::vector<int32_t> odd = plus(ids_of("Th"), ids_of("e cat"));
  ASSERT_NE(odd, ids_of("The cat"));
  ASSERT_EQ(tokenizer.decode(odd, true), "The cat");

  // Ended by EOS: the ids as generated, EOS once.
  SftTokens t = sample_sft_tokens(tokenizer, prompt, plus(odd, {eos}), "The cat");
  EXPECT_EQ(t.prompt, tokenizer.encode(prompt, true));
  EXPECT_EQ(t.answer, plus(odd, {eos}));
  EXPECT_TRUE(t.model_ids_only);
  // Cut before a stop string: the ids that spell the kept text, not the stop.
  const std::vector<int32_t> stopped = plus(odd, ids_of(".\nQ: next"));
  t = sample_sft_tokens(tokenizer, prompt, stopped, "The cat.");
  EXPECT_EQ(t.answer, plus(plus(odd, ids_of(".")), {eos}));
  EXPECT_TRUE(t.model_ids_only);
  // Leading whitespace the model wrote stays (trimmed from the text, not from the ids).
  const std::vector<int32_t> spaced = plus(ids_of("  "), odd);
  t = sample_sft_tokens(tokenizer, prompt, spaced, "The cat");
  EXPECT_EQ(t.answer, plus(spaced, {eos}));
  // A tail the ids do not spell (a rewritten answer): the ids up to it, then the text.
  t = sample_sft_tokens(tokenizer, prompt, plus(odd, ids_of(" sat. So 5")), "The cat sat. The answer is 5.");
  EXPECT_FALSE(t.model_ids_only);
  EXPECT_EQ(tokenizer.decode(t.answer, true), "The cat sat. The answer is 5.");
  EXPECT_EQ(std::vector<int32_t>(t.answer.begin(), t.answer.begin() + static_cast<std::ptrdiff_t>(odd.size())), odd);
  // Text and ids with nothing in common: the text alone.
  t = sample_sft_tokens(tokenizer, prompt, ids_of("Once upon"), "The cat");
  EXPECT_EQ(t.answer, plus(ids_of("The cat"), {eos}));
  EXPECT_FALSE(t.model_ids_only);
}

TEST(TrainingSet, GeneratedSamplesUseTheirIdsAndWrittenTextsTheirText) {
  const Tokenizer tokenizer = Tokenizer::load(stories_dir());
  const std::vector<int32_t> odd = [&] {
    std::vector<int32_t> a = tokenizer.encode_continuation("Th"), b = tokenizer.encode_continuation("e cat");
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }();
  const std::vector<TrainingText> texts = {{"Q: a\nA: ", "The cat", 1.0, odd}, {"Q: a\nA: ", "The cat", 1.0, {}}};
  const TrainingSet set = tokenize_training_texts(tokenizer, texts, 1000);
  ASSERT_EQ(set.samples.size(), 2u);
  const size_t p = static_cast<size_t>(set.samples[0].prompt_length);
  EXPECT_EQ(std::vector<int32_t>(set.samples[0].ids.begin() + p, set.samples[0].ids.end() - 1), odd);
  EXPECT_EQ(std::vector<int32_t>(set.samples[1].ids.begin() + p, set.samples[1].ids.end() - 1),
            tokenizer.encode_continuation("The cat"));
  EXPECT_EQ(set.text_encoded, 0);
}

TEST(TrainingTexts, Gsm8kLinesBecomeTrainingPromptsAndRationales) {
  const std::string path = testing::scratch_dir("train_texts") + "/g.jsonl";
  std::ofstream(path) << R"({"question": "Ann has 2 apples.", "answer": "She buys <<2+3=5>>3 more.\n#### 1,005"})" << "\n"
                      << R"({"question": "x"})" << "\n";
  try {
    gsm8k_jsonl_texts(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
  }
  std::ofstream(path) << R"({"question": "Ann has 2 apples.", "answer": "She buys <<2+3=5>>3 more.\n#### 1,005"})" << "\n";
  const std::vector<TrainingText> texts = gsm8k_jsonl_texts(path);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0].prompt, "Q: Ann has 2 apples.\nA: ");
  EXPECT_EQ(texts[0].answer, "She buys 3 more.\nThe answer is 1,005.");
  EXPECT_EQ(texts[0].weight, 1.0);
}

// ---- fingerprint --------------------------------------------------------------------------------

TEST(Fingerprint, LeavesOutOnlyTheNamedOptionsAndHashesInputContent) {
  const std::string ini = "[train]\noutput_dir = /a\nlr = 0.001\n\n[model]\npath = /m\noutput_dir = kept\n";
  EXPECT_EQ(ini_without(ini, {"train.output_dir", "model.path"}), "[train]\nlr = 0.001\n\n[model]\noutput_dir = kept\n");
  const std::vector<InputRecord> inputs = {{"/x/a.h5", 10, "aa"}}, moved = {{"/y/a.h5", 10, "aa"}},
                                 changed = {{"/x/a.h5", 10, "ab"}};
  const std::string base = training_fingerprint("[train]\nlr = 0.001\n", inputs);
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, training_fingerprint("[train]\nlr = 0.001\n", moved));  // paths do not count
  EXPECT_NE(base, training_fingerprint("[train]\nlr = 0.001\n", changed));
  EXPECT_NE(base, training_fingerprint("[train]\nlr = 0.002\n", inputs));
}

}  // namespace
}  // namespace iwsi
