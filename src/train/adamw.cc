#include "train/adamw.h"

#include <cmath>

#include "core/config.h"
#include "core/error.h"

namespace iwsi {

void check_adamw(const AdamWConfig& config) {
  check_range("train.beta1", config.beta1, 0, 1);
  check_range("train.beta2", config.beta2, 0, 1);
  IWSI_CHECK(config.beta1 < 1 && config.beta2 < 1, "options --train.beta1/--train.beta2 must be below 1");
  check_range("train.eps", config.eps, 0, 1, /*low_open=*/true);
  check_range("train.weight_decay", config.weight_decay, 0, 10);
}

AdamWState adamw_state_like(const torch::Tensor& params) {
  return {torch::zeros_like(params), torch::zeros_like(params), 0};
}

void adamw_step(torch::Tensor& params, const torch::Tensor& grad, AdamWState& state, const AdamWConfig& config,
                double lr) {
  IWSI_ASSERT(params.dim() == 1 && grad.sizes() == params.sizes() && state.exp_avg.sizes() == params.sizes(),
             "adamw_step: parameters ", params.sizes(), ", gradient ", grad.sizes(), " and moments ",
             state.exp_avg.sizes(), " must be the same flat vector");
  torch::NoGradGuard no_grad;
  state.step += 1;
  params.mul_(1.0 - lr * config.weight_decay);
  state.exp_avg.lerp_(grad, 1.0 - config.beta1);
  state.exp_avg_sq.mul_(config.beta2).addcmul_(grad, grad, 1.0 - config.beta2);
  const double bias_correction1 = 1.0 - std::pow(config.beta1, static_cast<double>(state.step));
  const double bias_correction2 = 1.0 - std::pow(config.beta2, static_cast<double>(state.step));
  const torch::Tensor denom = (state.exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(config.eps);
  params.addcdiv_(state.exp_avg, denom, -lr / bias_correction1);
}

}  // namespace iwsi
