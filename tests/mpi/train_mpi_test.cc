// Data-parallel fine-tuning under mpirun -np 1, 2 and 3: the trainer's loss curve, gradient norms
// and final weights equal a single-process reference (the whole global batch in one forward,
// libtorch's own clip_grad_norm_ and torch::optim::AdamW), with and without LoRA dropout, in LoRA and
// full mode; LoRA never touches the base weights; a run stopped at a step boundary and resumed from
// its checkpoint equals the uninterrupted run bit for bit; a checkpoint of another run is refused.
// Model: stories260K; data: GSM8K solutions.
//
// The curves are compared in float64: the test checks that the two computations are the same
// algorithm, and only float64 puts their rounding far below what a wrong one would change. (In
// float32 they legitimately part: AdamW moves an element by ~lr whatever its gradient's size, so an
// element whose gradient is float32 noise (|g| ~ 1e-8, AdamW's eps) moves differently in the two.)
#include <gtest/gtest.h>
#include <torch/nn/utils/clip_grad.h>  // the reference implementations
#include <torch/optim/adamw.h>

#include <filesystem>

#include "core/error.h"
#include "dist/world.h"
#include "model/checkpoint.h"
#include "model/lora.h"
#include "float_bounds.h"
#include "shared_scratch.h"
#include "test_paths.h"
#include "train/batch_order.h"
#include "train/trainer.h"
#include "train/training_set.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;

std::string stories_dir() { return testing::shared_dir() + "/models/stories260K"; }

// The first GSM8K training solutions that fit in 160 tokens of the stories260K tokenizer (the
// longer answers cut), 9 samples with weights 0.5 .. 1.3 as an iwsi-w selection would give.
const std::vector<TokenSample>& gsm8k_samples() {
  static const std::vector<TokenSample> samples = [] {
    std::vector<TrainingText> texts = gsm8k_jsonl_texts(testing::shared_dir() + "/data/gsm8k/train.jsonl");
    texts.resize(40);
    TrainingSet set = tokenize_training_texts(Tokenizer::load(stories_dir()), texts, 160);
    IWSI_CHECK(set.samples.size() >= 9, "only ", set.samples.size(), " GSM8K samples fit");
    set.samples.resize(9);
    for (size_t i = 0; i < set.samples.size(); ++i) set.samples[i].weight = 0.5 + 0.1 * static_cast<double>(i);
    return set.samples;
  }();
  return samples;
}

using testing::shared_scratch;  // same directory on every rank

struct TrainableModel {
  Llama model;
  std::vector<std::pair<std::string, torch::Tensor>> trainable;
};

// stories260K, with LoRA (r 4, alpha 8) on the default targets unless `full`.
TrainableModel fresh_model(bool full, double dropout, torch::ScalarType dtype = torch::kFloat64) {
  torch::set_num_threads(1);
  TrainableModel run{load_llama(stories_dir(), dtype), {}};
  if (full) {
    run.trainable = llama_named_tensors(run.model);
  } else {
    LoraConfig lora;
    lora.r = 4;
    lora.alpha = 8;
    lora.dropout = dropout;
    add_lora(run.model, lora, 5);
    run.trainable = lora_parameters(run.model);
  }
  return run;
}

TrainerConfig small_config(double dropout) {
  TrainerConfig c;
  c.batch_size = 5;  // 9 samples: steps of 5 and 4 samples
  c.micro_batch = 2;
  c.epochs = 3;
  c.lr = 3e-3;
  c.max_grad_norm = 1.0;
  c.seed = 17;
  c.per_sample_dropout = dropout > 0;
  return c;
}

struct Curve {
  std::vector<double> loss, grad_norm;
  std::vector<torch::Tensor> weights;  // the trainable tensors after the last step
};

Curve curve_of(const TrainResult& result, const TrainableModel& run) {
  Curve c;
  for (const StepRecord& r : result.steps) c.loss.push_back(r.loss), c.grad_norm.push_back(r.grad_norm);
  for (const auto& [name, tensor] : run.trainable) c.weights.push_back(tensor.detach().clone());
  return c;
}

Curve trained_curve(bool full, double dropout, const TrainerConfig& config) {
  TrainableModel run = fresh_model(full, dropout);
  FlatParameters params = flatten_parameters(run.trainable);
  GradientAllReduce allreduce(torch::kCPU);
  const TrainResult result = train(run.model, params, gsm8k_samples(), config, allreduce);
  EXPECT_TRUE(result.finished);
  return curve_of(result, run);
}

// The whole global batch in one forward on this process, libtorch's clipping and AdamW.
Curve reference_curve(bool full, double dropout, const TrainerConfig& config) {
  TrainableModel run = fresh_model(full, dropout);
  std::vector<torch::Tensor> tensors;
  for (auto& [name, tensor] : run.trainable) tensors.push_back(tensor.requires_grad_(true));
  torch::optim::AdamW adamw(tensors, torch::optim::AdamWOptions(config.lr)
                                         .betas({config.adamw.beta1, config.adamw.beta2})
                                         .eps(config.adamw.eps)
                                         .weight_decay(config.adamw.weight_decay));
  const std::vector<TokenSample>& samples = gsm8k_samples();
  const BatchPlan plan = make_batch_plan(static_cast<int64_t>(samples.size()), config.batch_size, config.epochs, config.max_steps);
  const ScheduleConfig schedule{config.schedule, config.lr, config.warmup_steps, plan.total_steps};
  Curve curve;
  for (int64_t step = 0; step < plan.total_steps; ++step) {
    const std::vector<int64_t> batch = global_batch(plan, config.seed, step);
    std::vector<const TokenSample*> rows;
    std::vector<int64_t> seeds;
    std::vector<double> weights;
    for (int64_t i : batch) {
      rows.push_back(&samples[i]);
      seeds.push_back(dropout_seed(config.seed, step / plan.steps_per_epoch, i));
      weights.push_back(samples[i].weight);
    }
    if (dropout > 0) run.model.lora_dropout_seeds = torch::tensor(seeds);
    const torch::Tensor nll = answer_token_nll(run.model, rows);  // (B)
    const torch::Tensor loss = (nll * torch::tensor(weights, torch::kFloat64).to(nll.scalar_type())).sum() / static_cast<double>(batch.size());
    adamw.zero_grad();
    loss.backward();
    curve.loss.push_back(loss.item<double>());
    curve.grad_norm.push_back(torch::nn::utils::clip_grad_norm_(tensors, config.max_grad_norm));
    static_cast<torch::optim::AdamWOptions&>(adamw.param_groups()[0].options()).lr(learning_rate(schedule, step));
    adamw.step();
  }
  for (const torch::Tensor& t : tensors) curve.weights.push_back(t.detach().clone());
  return curve;
}

double relative_difference(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-12); }

// The bounds, from float64 arithmetic (u = 2^-53): each step's loss and gradient are sums of at most
// n ~ 10^5 rounded terms (tokens x hidden size), so the two computations differ by < gamma(n) ~ 1e-11
// relative; AdamW turns a relative gradient error e into an update error below 2 e lr, and a dozen
// steps compound it by a modest factor. Losses and gradient norms within 1e-9 relative and weights
// within 1e-6 lr leave orders of magnitude of room, while any difference in the algorithm (a sample
// missed or counted twice, another dropout mask, another clipping) shows at 1e-4 or more.
constexpr double kCurveRelative = 1e-9, kWeightsPerLr = 1e-6;

void expect_same_curve(const Curve& trained, const Curve& reference, double lr) {
  ASSERT_EQ(trained.loss.size(), reference.loss.size());
  double worst_curve = 0, worst_weight = 0;
  for (size_t s = 0; s < trained.loss.size(); ++s) {
    worst_curve = std::max({worst_curve, relative_difference(trained.loss[s], reference.loss[s]),
                            relative_difference(trained.grad_norm[s], reference.grad_norm[s])});
    EXPECT_LT(relative_difference(trained.loss[s], reference.loss[s]), kCurveRelative)
        << "step " << s + 1 << ": loss " << trained.loss[s] << " vs " << reference.loss[s] << " on " << world_size_or_one() << " rank(s)";
    EXPECT_LT(relative_difference(trained.grad_norm[s], reference.grad_norm[s]), kCurveRelative)
        << "step " << s + 1 << ": grad norm " << trained.grad_norm[s] << " vs " << reference.grad_norm[s];
  }
  ASSERT_EQ(trained.weights.size(), reference.weights.size());
  for (size_t i = 0; i < trained.weights.size(); ++i) {
    ASSERT_EQ(trained.weights[i].scalar_type(), torch::kFloat64);
    const double difference = (trained.weights[i] - reference.weights[i]).abs().max().item<double>();
    worst_weight = std::max(worst_weight, difference / lr);
    EXPECT_LT(difference, kWeightsPerLr * lr) << "trainable tensor " << i;
  }
  if (world_rank_or_zero() == 0)
    std::printf("[ info     ] worst relative loss/grad-norm difference %.2g (bound %.0e), weights %.2g lr (bound %.0e lr)\n",
                worst_curve, kCurveRelative, worst_weight, kWeightsPerLr);
}

TEST(TrainMpi, FlatAllReduceSumsEveryRanksBufferInPlace) {
  const int n = world_size_or_one(), rank = world_rank_or_zero();
  torch::Tensor flat = torch::arange(1000, torch::kFloat32) + 1000.0f * static_cast<float>(rank);  // (1000)
  GradientAllReduce allreduce(torch::kCPU);
  allreduce.sum(flat);
  // sum over r of (i + 1000 r) = n i + 1000 n (n - 1) / 2, exact in float32 at these sizes
  const torch::Tensor expected = torch::arange(1000, torch::kFloat32) * n + 500.0f * n * (n - 1);
  EXPECT_TRUE(testing::tensors_equal(flat, expected));
  std::vector<double> values = {0.5 * rank, 1.0};
  allreduce_sum_in_place(values.data(), 2);
  EXPECT_EQ(values, (std::vector<double>{0.25 * n * (n - 1), static_cast<double>(n)}));
  EXPECT_STREQ(allreduce.backend(), n == 1 ? "none" : "mpi");
}

TEST(TrainMpi, LoraLossCurveIsTheSingleProcessCurveForAnyRankCount) {
  const TrainerConfig config = small_config(0.0);
  const Curve trained = trained_curve(false, 0.0, config), reference = reference_curve(false, 0.0, config);
  EXPECT_EQ(trained.loss.size(), 6u);  // 3 epochs of 2 steps
  expect_same_curve(trained, reference, config.lr);
  EXPECT_LT(trained.loss.back(), trained.loss.front());
}

TEST(TrainMpi, LoraWithDropoutFollowsTheSameCurveThroughPerSampleSeeds) {
  const TrainerConfig config = small_config(0.2);
  const Curve trained = trained_curve(false, 0.2, config), reference = reference_curve(false, 0.2, config);
  expect_same_curve(trained, reference, config.lr);
  TrainerConfig first_step = small_config(0.0);
  first_step.max_steps = 1;
  const Curve without = reference_curve(false, 0.0, first_step);
  EXPECT_GT(relative_difference(trained.grad_norm[0], without.grad_norm[0]), 1e-2) << "dropout changes the gradients";
}

TEST(TrainMpi, GlobalBatchesSmallerThanTheWorldLeaveRanksIdleAndStillAgree) {
  TrainerConfig config = small_config(0.2);
  config.batch_size = 2;  // on 3 ranks one rank has no sample in every step
  config.micro_batch = 1;
  config.max_steps = 4;
  expect_same_curve(trained_curve(false, 0.2, config), reference_curve(false, 0.2, config), config.lr);
}

TEST(TrainMpi, FullModeFollowsTheCurveChangesEveryWeightAndOverfits) {
  TrainerConfig config = small_config(0.0);
  config.max_steps = 12;
  TrainableModel before = fresh_model(true, 0.0);
  const Curve trained = trained_curve(true, 0.0, config), reference = reference_curve(true, 0.0, config);
  expect_same_curve(trained, reference, config.lr);
  EXPECT_LT(trained.loss.back(), 0.6 * trained.loss.front()) << trained.loss.front() << " -> " << trained.loss.back();
  for (size_t i = 0; i < trained.weights.size(); ++i)
    EXPECT_FALSE(testing::tensors_equal(trained.weights[i], before.trainable[i].second)) << before.trainable[i].first << " unchanged";
}

TEST(TrainMpi, LoraChangesOnlyTheAdaptersAndLeavesTheBaseBitIdentical) {
  TrainableModel run = fresh_model(false, 0.1, torch::kFloat32);
  const Llama base = load_llama(stories_dir());
  FlatParameters params = flatten_parameters(run.trainable);
  GradientAllReduce allreduce(torch::kCPU);
  TrainerConfig config = small_config(0.1);
  config.max_steps = 3;
  train(run.model, params, gsm8k_samples(), config, allreduce);
  const auto trained_base = llama_named_tensors(run.model), original = llama_named_tensors(base);
  ASSERT_EQ(trained_base.size(), original.size());
  for (size_t i = 0; i < original.size(); ++i)
    EXPECT_TRUE(testing::tensors_equal(trained_base[i].second, original[i].second)) << original[i].first << " changed";
  int changed_b = 0;
  for (const auto& [name, tensor] : run.trainable)
    if (name.find("lora_B") != std::string::npos) changed_b += tensor.abs().max().item<double>() > 0;
  EXPECT_EQ(changed_b, static_cast<int>(run.trainable.size() / 2)) << "every B left zero";
}

TEST(TrainMpi, AStoppedAndResumedRunEqualsTheUninterruptedRunExactly) {
  TrainerConfig config = small_config(0.2);
  config.checkpoint_every = 2;
  config.fingerprint = "run-a";
  config.checkpoint_dir = shared_scratch("train_resume") + "/checkpoint";
  TrainableModel uninterrupted = fresh_model(false, 0.2, torch::kFloat32);
  FlatParameters all_params = flatten_parameters(uninterrupted.trainable);
  GradientAllReduce allreduce(torch::kCPU);
  TrainerConfig no_checkpoints = config;
  no_checkpoints.checkpoint_dir = "";
  const TrainResult whole = train(uninterrupted.model, all_params, gsm8k_samples(), no_checkpoints, allreduce);

  config.stop_after = 3;  // as if a signal came after 3 steps
  TrainableModel first = fresh_model(false, 0.2, torch::kFloat32);
  FlatParameters first_params = flatten_parameters(first.trainable);
  const TrainResult stopped = train(first.model, first_params, gsm8k_samples(), config, allreduce);
  EXPECT_FALSE(stopped.finished);
  EXPECT_EQ(stopped.steps.size(), 3u);
  EXPECT_TRUE(fs::exists(config.checkpoint_dir + "/state.json"));
  EXPECT_TRUE(fs::exists(config.checkpoint_dir + "/state-00000003.safetensors"));
  EXPECT_FALSE(fs::exists(config.checkpoint_dir + "/state-00000002.safetensors")) << "older checkpoint kept";

  config.stop_after = -1;
  TrainableModel second = fresh_model(false, 0.2, torch::kFloat32);  // a new process: fresh adapters, state only from the checkpoint
  FlatParameters second_params = flatten_parameters(second.trainable);
  const TrainResult resumed = train(second.model, second_params, gsm8k_samples(), config, allreduce);
  EXPECT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.resumed_at, 3);
  ASSERT_EQ(resumed.steps.size(), whole.steps.size());
  for (size_t s = 0; s < whole.steps.size(); ++s) {
    EXPECT_EQ(resumed.steps[s].loss, whole.steps[s].loss) << "step " << s + 1;
    EXPECT_EQ(resumed.steps[s].grad_norm, whole.steps[s].grad_norm) << "step " << s + 1;
    EXPECT_EQ(resumed.steps[s].lr, whole.steps[s].lr) << "step " << s + 1;
  }
  for (size_t i = 0; i < second.trainable.size(); ++i)
    EXPECT_TRUE(testing::tensors_equal(second.trainable[i].second, uninterrupted.trainable[i].second)) << second.trainable[i].first;

  config.fingerprint = "run-b";  // other options or inputs
  TrainableModel other = fresh_model(false, 0.2, torch::kFloat32);
  FlatParameters other_params = flatten_parameters(other.trainable);
  try {
    train(other.model, other_params, gsm8k_samples(), config, allreduce);
    FAIL() << "a checkpoint of another run was resumed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another training run"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace iwsi
