#include "pipeline/train_file.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "core/error.h"
#include "dist/world.h"
#include "store/attributes.h"
#include "store/columns.h"
#include "store/output_file.h"

namespace iwsi {
namespace fs = std::filesystem;

void clear_training_result(const std::string& dir) {
  for (const char* name : {"train.h5", "adapter_model.safetensors", "adapter_config.json", "model.safetensors",
                           "model.safetensors.index.json", "config.json"}) {
    std::error_code ec;
    fs::remove(fs::path(dir) / name, ec);
    IWSI_CHECK(!ec, "cannot remove ", (fs::path(dir) / name).string(), " of an earlier run: ", ec.message());
  }
}

void check_training_finished(const std::string& dir) {
  const fs::path train_file = fs::path(dir) / "train.h5";
  const bool written_by_train = fs::exists(train_file) || fs::exists(train_file.string() + ".tmp") ||
                                fs::exists(fs::path(dir) / "checkpoint");
  if (!written_by_train) return;
  IWSI_CHECK(fs::exists(train_file), dir, ": its training has not finished (no train.h5",
             fs::exists(fs::path(dir) / "checkpoint") ? ", a checkpoint/ to resume from" : "",
             "); run the same iwsi train command again to finish it");
  open_output_for_read(train_file.string(), kTrainSchema, kTrainVersion);
}

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
