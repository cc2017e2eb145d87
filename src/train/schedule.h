// The learning-rate schedule of fine-tuning: linear warmup from 0, then cosine (default) or linear
// decay to 0 at the last step, with Hugging Face's get_{cosine,linear}_schedule_with_warmup
// arithmetic. A pure function of the step, so a resumed run needs no schedule state.
// Deliberately nothing about the optimizer (adamw.h) or the step loop (trainer.h).
#pragma once

#include <cstdint>
#include <string>

namespace iwsi {

struct ScheduleConfig {
  std::string kind = "cosine";  // "cosine" or "linear"
  double peak_lr = 3e-4;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
};

// Throws naming the option when kind is unknown or the numbers are out of range.
void check_schedule(const ScheduleConfig& config);

// The learning rate of optimizer step `step` (0-based: the first step uses step = 0).
double learning_rate(const ScheduleConfig& config, int64_t step);

}  // namespace iwsi
