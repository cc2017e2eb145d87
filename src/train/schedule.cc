#include "train/schedule.h"

#include <algorithm>
#include <cmath>

#include "core/config.h"
#include "core/error.h"

namespace iwsi {

void check_schedule(const ScheduleConfig& config) {
  IWSI_CHECK(config.kind == "cosine" || config.kind == "linear", "option --train.schedule=", config.kind,
             ": expected cosine or linear");
  check_range("train.lr", config.peak_lr, 0, 10, /*low_open=*/true);
  check_range("train.warmup_steps", static_cast<double>(config.warmup_steps), 0, 1e12);
  IWSI_CHECK(config.total_steps >= 1, "training has ", config.total_steps, " steps; it needs at least 1");
}

double learning_rate(const ScheduleConfig& config, int64_t step) {
  const double warmup = static_cast<double>(config.warmup_steps), s = static_cast<double>(step);
  if (step < config.warmup_steps) return config.peak_lr * s / std::max(1.0, warmup);
  const double decay_steps = std::max(1.0, static_cast<double>(config.total_steps) - warmup);
  const double progress = (s - warmup) / decay_steps;  // 0 at the first decaying step, 1 after the last
  if (config.kind == "linear") return config.peak_lr * std::max(0.0, 1.0 - progress);
  return config.peak_lr * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

}  // namespace iwsi
