// One row of the training log: what an optimizer step did, as rank 0 logs it and train.h5 stores it
// (docs/SCHEMA.md, schema iwsi.train). Kept in checkpoints, so a resumed run's log is complete.
#pragma once

#include <cstdint>

namespace iwsi {

struct StepRecord {
  int64_t step = 0;          // 1-based: steps done after this one
  double epoch = 0;          // fractional epochs done after this step
  double loss = 0;           // sum over the global batch of weight * mean answer NLL, / batch size
  double lr = 0;             // learning rate used by this step
  double grad_norm = 0;      // global L2 norm of the all-reduced gradient, before clipping
  int64_t tokens = 0;        // tokens (prompt + answer, no padding) in the global batch
  double seconds = 0;        // wall time of the step
  double tokens_per_s = 0;   // tokens / seconds
};

}  // namespace iwsi
