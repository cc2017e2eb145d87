// AdamW (decoupled weight decay, Loshchilov & Hutter; torch.optim.AdamW's update order) on one flat
// float32 parameter vector and its flat gradient. All state is three tensors and a step count, so a
// checkpoint holds it exactly and a resumed run continues bit for bit.
// Deliberately no parameter groups, no amsgrad, no learning-rate schedule (schedule.h).
#pragma once

#include "model/torch_api.h"

#include <cstdint>

namespace iwsi {

struct AdamWConfig {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-6, weight_decay = 0.0;
};

struct AdamWState {
  torch::Tensor exp_avg;     // (N) float32, first moment
  torch::Tensor exp_avg_sq;  // (N) float32, second moment
  int64_t step = 0;          // optimizer steps taken
};

// Throws naming the option when a value is out of range.
void check_adamw(const AdamWConfig& config);

// Zero moments shaped like `params` (N) float32, on its device.
AdamWState adamw_state_like(const torch::Tensor& params);

// One step at learning rate `lr`: params (N) float32 updated in place from grad (N) float32.
void adamw_step(torch::Tensor& params, const torch::Tensor& grad, AdamWState& state, const AdamWConfig& config,
                double lr);

}  // namespace iwsi
