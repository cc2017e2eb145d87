// Data-parallel fine-tuning of the trainable tensors of a Llama (LoRA A/B, or every weight):
// each global batch of the shuffled training set is split over the ranks, each rank runs its share
// in micro-batches and accumulates gradients, ONE flat all-reduce sums them, then global-norm
// clipping and AdamW on the float32 master copy. The loss of a step is
// sum_i weight_i * meanNLL_i / |batch| over the global batch, so it is the same for any rank count.
// Checkpoints every `checkpoint_every` steps and at a stop signal resume exactly.
// Deliberately no file formats of the outputs (the job writes them) and no model construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/llama.h"
#include "train/adamw.h"
#include "train/flat_parameters.h"
#include "train/grad_allreduce.h"
#include "train/schedule.h"
#include "train/step_record.h"
#include "train/token_loss.h"

namespace iwsi {

struct TrainerConfig {
  int64_t batch_size = 32;      // global batch, split over the ranks
  int64_t micro_batch = 1;      // samples per forward pass on a rank
  int64_t epochs = 4;
  int64_t max_steps = -1;       // -1: epochs x ceil(samples / batch_size)
  double max_grad_norm = 1.0;   // 0 = no clipping
  uint64_t seed = 0;            // data order and dropout
  bool per_sample_dropout = false;  // set model.lora_dropout_seeds before each forward (LoRA dropout > 0)
  AdamWConfig adamw;
  std::string schedule = "cosine";
  double lr = 3e-4;
  int64_t warmup_steps = 0;
  std::string checkpoint_dir;   // "" = never checkpoint
  int64_t checkpoint_every = 50;
  std::string fingerprint;      // identifies the run; a checkpoint of another run is refused
  std::string numerics;         // the rounding key (runtime/numerics.h); a checkpoint of other numerics is refused
  int64_t stop_after = -1;      // >= 0: stop (checkpoint, as on a signal) after this many steps of this call
};

// Throws naming the option when a value is out of range.
void check_trainer_config(const TrainerConfig& config);

struct TrainResult {
  std::vector<StepRecord> steps;  // every step since the start of the run, resumed ones included
  int64_t resumed_at = 0;         // the step a checkpoint resumed from (0 = fresh start)
  bool finished = false;          // false: stopped by a signal or stop_after, checkpoint written
};

// Collective. `params` must be the trainable tensors of `model` (flatten_parameters).
TrainResult train(Llama& model, FlatParameters& params, const std::vector<TokenSample>& samples,
                  const TrainerConfig& config, GradientAllReduce& allreduce);

// The dropout seed of a sample in an epoch: independent of batch composition and rank count.
int64_t dropout_seed(uint64_t seed, int64_t epoch, int64_t sample_index);

}  // namespace iwsi
