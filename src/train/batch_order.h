// Which samples each optimizer step trains on, as pure functions of (seed, step): every epoch is a
// fresh permutation of the training set (Fisher-Yates driven by a counter-based hash of (seed, epoch)),
// cut into global batches in order; the last batch of an epoch may be smaller. The same for any rank
// count, and a resumed run recomputes it from the step alone, so there is no data-loader state.
// Deliberately nothing about ranks: the caller takes its share of a global batch with shard_of().
#pragma once

#include <cstdint>
#include <vector>

namespace iwsi {

struct BatchPlan {
  int64_t samples = 0;          // training set size
  int64_t batch_size = 1;       // global batch
  int64_t steps_per_epoch = 0;  // ceil(samples / batch_size)
  int64_t total_steps = 0;      // max_steps, or epochs * steps_per_epoch
};

// Throws when there are no samples or the sizes are out of range (options named).
BatchPlan make_batch_plan(int64_t samples, int64_t batch_size, int64_t epochs, int64_t max_steps);

// The permutation of [0, samples) used in epoch `epoch`.
std::vector<int64_t> epoch_order(int64_t samples, uint64_t seed, int64_t epoch);

// The sample indices of global step `step` (0-based), in batch order.
std::vector<int64_t> global_batch(const BatchPlan& plan, uint64_t seed, int64_t step);

// Fractional epochs done after `steps_done` steps (2.5 = half way through the third epoch).
double epochs_done(const BatchPlan& plan, int64_t steps_done);

}  // namespace iwsi
