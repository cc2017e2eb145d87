#include "train/batch_order.h"

#include <algorithm>
#include <numeric>

#include "core/config.h"
#include "core/error.h"
#include "core/rng.h"

namespace iwsi {
namespace {

constexpr uint64_t kShuffleStream = 0x5348554646ULL;  // "SHUFF": keeps these draws apart from sampling's

}  // namespace

BatchPlan make_batch_plan(int64_t samples, int64_t batch_size, int64_t epochs, int64_t max_steps) {
  IWSI_CHECK(samples > 0, "the training set is empty: no samples to train on");
  check_range("train.batch_size", static_cast<double>(batch_size), 1, 1e9);
  check_range("train.epochs", static_cast<double>(epochs), 1, 1e6);
  IWSI_CHECK(max_steps == -1 || max_steps >= 1, "option --train.max_steps=", max_steps,
             ": expected -1 (from --train.epochs) or at least 1");
  BatchPlan plan;
  plan.samples = samples;
  plan.batch_size = batch_size;
  plan.steps_per_epoch = (samples + batch_size - 1) / batch_size;
  plan.total_steps = max_steps > 0 ? max_steps : epochs * plan.steps_per_epoch;
  return plan;
}

std::vector<int64_t> epoch_order(int64_t samples, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(samples));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = samples - 1; i > 0; --i) {
    // A uniform j in [0, i] from 53 random bits (bias below 2^-20 for any realistic set size).
    const double u = counter_uniform(seed, kShuffleStream, static_cast<uint64_t>(epoch), static_cast<uint64_t>(i));
    const int64_t j = static_cast<int64_t>(u * static_cast<double>(i + 1));
    std::swap(order[i], order[std::min(j, i)]);
  }
  return order;
}

std::vector<int64_t> global_batch(const BatchPlan& plan, uint64_t seed, int64_t step) {
  IWSI_CHECK(step >= 0 && step < plan.total_steps, "global_batch: step ", step, " outside [0, ", plan.total_steps, ")");
  const int64_t epoch = step / plan.steps_per_epoch;
  const int64_t begin = (step % plan.steps_per_epoch) * plan.batch_size;
  const int64_t end = std::min(plan.samples, begin + plan.batch_size);
  const std::vector<int64_t> order = epoch_order(plan.samples, seed, epoch);
  return {order.begin() + begin, order.begin() + end};
}

double epochs_done(const BatchPlan& plan, int64_t steps_done) {
  return static_cast<double>(steps_done) / static_cast<double>(plan.steps_per_epoch);
}

}  // namespace iwsi
