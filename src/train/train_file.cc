#include "train/train_file.h"

#include <cmath>
#include <limits>

#include "dist/world.h"
#include "store/attributes.h"
#include "store/columns.h"
#include "store/output_file.h"

namespace iwsi {

void write_train_file(const std::string& path, const Provenance& provenance, const TrainSummary& summary,
                      const std::vector<StepRecord>& steps) {
  const bool mine = world_rank_or_zero() == 0;
  std::vector<int64_t> step, tokens;
  std::vector<double> epoch, loss, lr, grad_norm, seconds, tokens_per_s;
  for (const StepRecord& r : steps) {
    if (!mine) break;
    step.push_back(r.step);
    epoch.push_back(r.epoch);
    loss.push_back(r.loss);
    lr.push_back(r.lr);
    grad_norm.push_back(r.grad_norm);
    tokens.push_back(r.tokens);
    seconds.push_back(r.seconds);
    tokens_per_s.push_back(r.tokens_per_s);
  }
  OutputFile out(path, kTrainSchema, kTrainVersion, provenance);
  {
    H5Id table = h5_group(create_table(out.id(), "steps"), "steps");
    write_column(table, "step", step);
    write_column(table, "epoch", epoch);
    write_column(table, "loss", loss);
    write_column(table, "lr", lr);
    write_column(table, "grad_norm", grad_norm);
    write_column(table, "tokens", tokens);
    write_column(table, "seconds", seconds);
    write_column(table, "tokens_per_s", tokens_per_s);
  }
  set_attribute(out.id(), "mode", summary.mode);
  set_attribute(out.id(), "samples", summary.samples);
  set_attribute(out.id(), "dropped_samples", summary.dropped);
  set_attribute(out.id(), "truncated_samples", summary.truncated);
  set_attribute(out.id(), "trainable_parameters", summary.trainable_parameters);
  set_attribute(out.id(), "resumed_at_step", summary.resumed_at);
  set_attribute(out.id(), "final_loss", steps.empty() ? std::numeric_limits<double>::quiet_NaN() : steps.back().loss);
  out.commit();
}

}  // namespace iwsi
