// Checkpoints of a fine-tuning run that resume exactly: the optimizer's float32 master weights and
// AdamW moments (one safetensors file, tensors named param./exp_avg./exp_avg_sq. + HF/PEFT name) and
// a JSON state file with the step, the data position, the step log and the run's fingerprint. Data
// order, schedule and dropout seeds are pure functions of (seed, step), so nothing else is needed.
// Rank 0 writes; the state file is renamed into place last, so a crash leaves the previous
// checkpoint valid. Deliberately no model files (the job writes the final adapter / model).
#pragma once

#include <string>
#include <vector>

#include "train/adamw.h"
#include "train/batch_order.h"
#include "train/flat_parameters.h"
#include "train/step_record.h"

namespace iwsi {

// Collective (rank 0 writes into `dir`, an error there is raised on every rank).
// `numerics` is the run's rounding key (runtime/numerics.h).
void save_train_checkpoint(const std::string& dir, const std::string& fingerprint, const std::string& numerics,
                           const BatchPlan& plan, const FlatParameters& params, const AdamWState& adamw,
                           const std::vector<StepRecord>& steps);

// Collective; every rank reads `dir` (a shared file system). Returns false when it holds no checkpoint. Otherwise restores params.master
// (and the model tensors), the moments and the step log, and returns true. Throws when the
// checkpoint belongs to another run (fingerprint differs), was computed with other numerics, or does
// not fit these parameters.
bool load_train_checkpoint(const std::string& dir, const std::string& fingerprint, const std::string& numerics,
                           FlatParameters& params, AdamWState& adamw, std::vector<StepRecord>& steps);

// Collective: rank 0 removes the checkpoint files of `dir` (after the final outputs are written).
void remove_train_checkpoint(const std::string& dir);

}  // namespace iwsi
