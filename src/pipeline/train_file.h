// The training log file `<output_dir>/train.h5` (schema iwsi.train, docs/SCHEMA.md): table `steps`
// with one row per optimizer step and root attributes summarising the run. Written collectively,
// rank 0 contributing the rows, and committed by rename like every output, so a finished-looking
// train.h5 means the model or adapter next to it is complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/provenance.h"
#include "train/step_record.h"

namespace iwsi {

inline constexpr const char* kTrainSchema = "iwsi.train";
inline constexpr int64_t kTrainVersion = 1;

struct TrainSummary {
  std::string mode;            // "lora" or "full"
  int64_t samples = 0;         // samples trained on (after max_length)
  int64_t dropped = 0;         // samples left out: no answer token within max_length
  int64_t truncated = 0;       // samples cut to max_length
  int64_t trainable_parameters = 0;
  int64_t resumed_at = 0;      // step the last start resumed from (0 = none)
};

// Before a run into `dir` (rank 0): removes train.h5 and the adapter / model files of an earlier
// run, so that a run killed before it finishes leaves no finished-looking result to evaluate.
void clear_training_result(const std::string& dir);
// For readers of an adapter or trained model directory (eval, merge): a directory that iwsi train
// writes into (train.h5, train.h5.tmp or checkpoint/ present) must hold a committed train.h5;
// a PEFT adapter made elsewhere (none of these) passes.
void check_training_finished(const std::string& dir);

// Collective. `steps` is rank 0's log (the other ranks' are ignored).
void write_train_file(const std::string& path, const Provenance& provenance, const TrainSummary& summary,
                      const std::vector<StepRecord>& steps);

}  // namespace iwsi
