// The step loop: global batch -> this rank's share -> micro-batches (forward, weighted loss,
// backward) -> one all-reduce of the flat gradient -> clip -> AdamW -> log; checkpoints at step
// boundaries. Every quantity that is logged is summed over ranks, so rank 0's log is the job's.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/config.h"
#include "core/heartbeat.h"
#include "core/log.h"
#include "core/progress.h"
#include "dist/exact_sum.h"
#include "dist/shard.h"
#include "dist/world.h"
#include "runtime/stop_signal.h"
#include "core/rng.h"
#include "train/batch_order.h"
#include "train/train_checkpoint.h"

namespace iwsi {
namespace {

constexpr uint64_t kDropoutStream = 0x44524f50ULL;  // "DROP"

struct StepContext {
  Llama& model;
  FlatParameters& params;
  const std::vector<TokenSample>& samples;
  const TrainerConfig& config;
  const BatchPlan& plan;
  const ScheduleConfig& schedule;
  GradientAllReduce& allreduce;
  AdamWState& adamw;
};

// Forward + backward of this rank's share of the global batch; gradients accumulate in .grad.
// Returns this rank's loss contributions (weight * meanNLL / |batch| per sample) and its tokens.
std::pair<std::vector<double>, int64_t> accumulate_gradients(const StepContext& c, const std::vector<int64_t>& batch,
                                                             int64_t epoch) {
  const ShardRange mine = shard_of(static_cast<int64_t>(batch.size()), world_rank_or_zero(), world_size_or_one());
  const double batch_size = static_cast<double>(batch.size());
  const torch::Device device = c.model.embed.device();
  std::vector<double> contributions;
  int64_t tokens = 0;
  for (int64_t begin = mine.begin; begin < mine.end; begin += c.config.micro_batch) {
    const int64_t end = std::min(mine.end, begin + c.config.micro_batch);
    std::vector<const TokenSample*> rows;
    std::vector<double> weights;
    std::vector<int64_t> seeds;
    for (int64_t i = begin; i < end; ++i) {
      const TokenSample& sample = c.samples[batch[i]];
      rows.push_back(&sample);
      weights.push_back(sample.weight);
      seeds.push_back(dropout_seed(c.config.seed, epoch, batch[i]));
      tokens += static_cast<int64_t>(sample.ids.size());
    }
    if (c.config.per_sample_dropout) c.model.lora_dropout_seeds = torch::tensor(seeds, torch::kLong);  // (b)
    const torch::Tensor nll = answer_token_nll(c.model, rows);                                          // (b)
    const torch::Tensor weight = torch::tensor(weights, torch::kFloat64).to(device, nll.scalar_type());  // (b)
    ((nll * weight).sum() / batch_size).backward();
    const torch::Tensor nll_cpu = nll.detach().to(torch::kCPU, torch::kFloat64);
    const auto nll_a = nll_cpu.accessor<double, 1>();
    for (int64_t i = 0; i < end - begin; ++i) contributions.push_back(rows[i]->weight * nll_a[i] / batch_size);
  }
  c.model.lora_dropout_seeds = torch::Tensor();
  return {contributions, tokens};
}

// One optimizer step (0-based `step`); returns its log row.
StepRecord train_step(const StepContext& c, int64_t step) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int64_t> batch = global_batch(c.plan, c.config.seed, step);
  clear_gradients(c.params);
  auto [contributions, local_tokens] = accumulate_gradients(c, batch, step / c.plan.steps_per_epoch);

  torch::Tensor grad = flat_gradients(c.params);  // (N) float32
  c.allreduce.sum(grad);
  clear_gradients(c.params);
  StepRecord r;
  r.step = step + 1;
  r.epoch = epochs_done(c.plan, step + 1);
  bool finite = true;
  for (double value : contributions) finite = finite && std::isfinite(value) && std::fabs(value) < 1e6;
  IWSI_CHECK(all_ranks(finite), "training step ", r.step, ": the loss is not finite (try a lower --train.lr)");
  r.loss = exact_allreduce_sum(contributions);
  r.tokens = allreduce_sum(local_tokens);
  r.grad_norm = grad.norm().item<double>();
  IWSI_CHECK(std::isfinite(r.loss) && std::isfinite(r.grad_norm), "training step ", r.step, ": loss ", r.loss,
             ", gradient norm ", r.grad_norm, " is not finite (try a lower --train.lr)");
  if (c.config.max_grad_norm > 0) {
    const double coef = c.config.max_grad_norm / (r.grad_norm + 1e-6);  // torch.nn.utils.clip_grad_norm_
    if (coef < 1) grad.mul_(coef);
  }
  r.lr = learning_rate(c.schedule, step);
  adamw_step(c.params.master, grad, c.adamw, c.config.adamw, r.lr);
  copy_master_to_model(c.params);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.tokens_per_s = r.seconds > 0 ? static_cast<double>(r.tokens) / r.seconds : 0;
  return r;
}

}  // namespace

void check_trainer_config(const TrainerConfig& config) {
  check_range("train.micro_batch", static_cast<double>(config.micro_batch), 1, 1e9);
  check_range("train.max_grad_norm", config.max_grad_norm, 0, 1e12);
  check_range("train.checkpoint_every", static_cast<double>(config.checkpoint_every), 1, 1e12);
  check_adamw(config.adamw);
}

int64_t dropout_seed(uint64_t seed, int64_t epoch, int64_t sample_index) {
  const uint64_t h = counter_hash(seed, kDropoutStream, static_cast<uint64_t>(epoch), static_cast<uint64_t>(sample_index));
  return static_cast<int64_t>(h >> 1);  // non-negative
}

TrainResult train(Llama& model, FlatParameters& params, const std::vector<TokenSample>& samples,
                  const TrainerConfig& config, GradientAllReduce& allreduce) {
  check_trainer_config(config);
  const BatchPlan plan = make_batch_plan(static_cast<int64_t>(samples.size()), config.batch_size, config.epochs,
                                         config.max_steps);
  const ScheduleConfig schedule{config.schedule, config.lr, config.warmup_steps, plan.total_steps};
  check_schedule(schedule);
  AdamWState adamw = adamw_state_like(params.master);
  TrainResult result;
  const bool checkpoints = !config.checkpoint_dir.empty();
  if (checkpoints &&
      load_train_checkpoint(config.checkpoint_dir, config.fingerprint, config.numerics, params, adamw, result.steps)) {
    result.resumed_at = adamw.step;
    log_info0("train: resuming from the checkpoint in ", config.checkpoint_dir, " at step ", adamw.step, " of ",
              plan.total_steps);
  }
  IWSI_CHECK(adamw.step <= plan.total_steps, config.checkpoint_dir, ": checkpoint at step ", adamw.step,
             " is past the last step ", plan.total_steps);
  const StepContext context{model, params, samples, config, plan, schedule, allreduce, adamw};
  log_info0("train: ", plan.samples, " samples, global batch ", plan.batch_size, " (", plan.steps_per_epoch,
            " steps per epoch), ", plan.total_steps, " steps, ", params.numel(), " trainable parameters in ",
            params.names.size(), " tensors, gradient all-reduce: ", allreduce.backend());
  Progress progress("train", plan.total_steps - result.resumed_at, "steps");
  int64_t tokens_this_run = 0;
  const int64_t log_every = std::max<int64_t>(1, plan.total_steps / 20);  // ~20 lines a run; all at debug level
  for (int64_t step = adamw.step; step < plan.total_steps; ++step) {
    heartbeat();
    const bool stop_now = config.stop_after >= 0 && step - result.resumed_at >= config.stop_after;
    if (stop_now || stop_requested_everywhere()) {
      if (checkpoints)
        save_train_checkpoint(config.checkpoint_dir, config.fingerprint, config.numerics, plan, params, adamw, result.steps);
      log_info0("train: stopped at step ", step, " of ", plan.total_steps,
                checkpoints ? "; checkpoint written to " + config.checkpoint_dir : std::string("; no checkpoint directory"));
      return result;
    }
    const StepRecord r = train_step(context, step);
    result.steps.push_back(r);
    tokens_this_run += r.tokens;
    if (r.step == 1 || r.step % log_every == 0 || r.step == plan.total_steps || log_enabled(LogLevel::debug))
      log_info0("train step ", r.step, "/", plan.total_steps, " epoch ", r.epoch, ": loss ", r.loss, ", lr ", r.lr,
                ", grad norm ", r.grad_norm, ", ", r.tokens, " tokens, ", static_cast<int64_t>(r.tokens_per_s), " tokens/s");
    progress.update(r.step - result.resumed_at, tokens_this_run);
    if (checkpoints && r.step % config.checkpoint_every == 0 && r.step < plan.total_steps)
      save_train_checkpoint(config.checkpoint_dir, config.fingerprint, config.numerics, plan, params, adamw, result.steps);
  }
  progress.finish(tokens_this_run);
  result.finished = true;
  return result;
}

}  // namespace iwsi
