#include "train/train_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "dist/on_rank0.h"
#include "dist/world.h"
#include "model/safetensors.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStateFile = "state.json";
constexpr const char* kFormat = "iwsi.train_checkpoint";
constexpr int64_t kFormatVersion = 1;

nlohmann::json step_to_json(const StepRecord& r) {
  return {{"step", r.step}, {"epoch", r.epoch}, {"loss", r.loss}, {"lr", r.lr}, {"grad_norm", r.grad_norm},
          {"tokens", r.tokens}, {"seconds", r.seconds}, {"tokens_per_s", r.tokens_per_s}};
}

StepRecord step_from_json(const nlohmann::json& j) {
  StepRecord r;
  r.step = j.at("step").get<int64_t>();
  r.epoch = j.at("epoch").get<double>();
  r.loss = j.at("loss").get<double>();
  r.lr = j.at("lr").get<double>();
  r.grad_norm = j.at("grad_norm").get<double>();
  r.tokens = j.at("tokens").get<int64_t>();
  r.seconds = j.at("seconds").get<double>();
  r.tokens_per_s = j.at("tokens_per_s").get<double>();
  return r;
}

std::string tensors_file_name(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "state-%08lld.safetensors", static_cast<long long>(step));
  return name;
}


// Removes every state-*.safetensors (and stale temp file) of `dir` except `keep`.
void remove_other_tensor_files(const fs::path& dir, const std::string& keep) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != keep && name.rfind("state-", 0) == 0) fs::remove(entry.path(), ec);
  }
}

void save_on_rank0(const fs::path& dir, const std::string& fingerprint, const std::string& numerics, const BatchPlan& plan,
                   const FlatParameters& params, const AdamWState& adamw, const std::vector<StepRecord>& steps) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  IWSI_CHECK(!ec, "cannot create checkpoint directory ", dir.string(), ": ", ec.message());
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (size_t i = 0; i < params.names.size(); ++i) {
    tensors.emplace_back("param." + params.names[i], flat_slice(params, params.master, i));
    tensors.emplace_back("exp_avg." + params.names[i], flat_slice(params, adamw.exp_avg, i));
    tensors.emplace_back("exp_avg_sq." + params.names[i], flat_slice(params, adamw.exp_avg_sq, i));
  }
  const int64_t step = adamw.step;
  const std::string tensors_file = tensors_file_name(step);
  write_safetensors((dir / tensors_file).string(), tensors, {{"format", kFormat}});
  nlohmann::json state = {{"format", kFormat},
                          {"version", kFormatVersion},
                          {"fingerprint", fingerprint},
                          {"numerics", numerics},
                          {"step", step},
                          {"epoch", step / plan.steps_per_epoch},
                          {"position", (step % plan.steps_per_epoch) * plan.batch_size},
                          {"total_steps", plan.total_steps},
                          {"tensors", tensors_file},
                          {"steps", nlohmann::json::array()}};
  for (const StepRecord& r : steps) state["steps"].push_back(step_to_json(r));
  write_file_atomically((dir / kStateFile).string(), state.dump(1) + "\n");  // the commit point
  remove_other_tensor_files(dir, tensors_file);
}

}  // namespace

void save_train_checkpoint(const std::string& dir, const std::string& fingerprint, const std::string& numerics,
                           const BatchPlan& plan, const FlatParameters& params, const AdamWState& adamw,
                           const std::vector<StepRecord>& steps) {
  on_rank0([&] { save_on_rank0(dir, fingerprint, numerics, plan, params, adamw, steps); });
}

bool load_train_checkpoint(const std::string& dir, const std::string& fingerprint, const std::string& numerics,
                           FlatParameters& params, AdamWState& adamw, std::vector<StepRecord>& steps) {
  const fs::path state_path = fs::path(dir) / kStateFile;
  const bool here = fs::exists(state_path);
  IWSI_CHECK(all_ranks(here) == any_rank(here), state_path.string(), " exists on some ranks only: the output directory ",
             "must be on a file system every rank sees");
  if (!here) return false;
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(std::ifstream(state_path));
    IWSI_CHECK(state.at("format") == kFormat && state.at("version").get<int64_t>() <= kFormatVersion,
               "not a checkpoint of this iwsi version");
  } catch (const std::exception& e) {
    fail(state_path.string(), ": unreadable checkpoint state (", e.what(), "); remove ", dir, " to start over");
  }
  IWSI_CHECK(state.at("fingerprint") == fingerprint, dir, " holds a checkpoint of another training run (other options "
             "or inputs: fingerprint ", state.at("fingerprint").get<std::string>(), ", this run ", fingerprint,
             "); remove it to start over, or choose another --train.output_dir");
  // Continuing another node kind's run would give weights that no single run produces.
  const std::string saved_numerics = state.value("numerics", std::string("unrecorded"));
  IWSI_CHECK(saved_numerics == numerics, dir, " holds a checkpoint computed with other numerics (", saved_numerics,
             "), this run has (", numerics, "). Resume on the kind of node that began it, or remove it to start over");
  const SafetensorsFile file((fs::path(dir) / state.at("tensors").get<std::string>()).string());
  torch::NoGradGuard no_grad;
  const std::pair<const char*, torch::Tensor*> kinds[] = {
      {"param.", &params.master}, {"exp_avg.", &adamw.exp_avg}, {"exp_avg_sq.", &adamw.exp_avg_sq}};
  IWSI_CHECK(file.entries.size() == 3 * params.names.size(), file.path, " holds ", file.entries.size(),
             " tensors, this run trains ", params.names.size(), " (x3 with the moments)");
  for (const auto& [prefix, flat] : kinds)
    for (size_t i = 0; i < params.names.size(); ++i) {
      const std::string name = prefix + params.names[i];
      IWSI_CHECK(file.has(name), file.path, ": missing tensor '", name, "'");
      const torch::Tensor saved = file.tensor(name);
      torch::Tensor slot = flat_slice(params, *flat, i);
      IWSI_CHECK(saved.sizes() == slot.sizes() && saved.scalar_type() == slot.scalar_type(), file.path, ": tensor '",
                 name, "' is ", saved.sizes(), " ", saved.scalar_type(), ", expected ", slot.sizes(), " ",
                 slot.scalar_type());
      slot.copy_(saved);
    }
  adamw.step = state.at("step").get<int64_t>();
  steps.clear();
  for (const nlohmann::json& j : state.at("steps")) steps.push_back(step_from_json(j));
  IWSI_CHECK(static_cast<int64_t>(steps.size()) == adamw.step, state_path.string(), ": ", steps.size(),
             " logged steps but step ", adamw.step);
  copy_master_to_model(params);
  return true;
}

void remove_train_checkpoint(const std::string& dir) {
  on_rank0([&] {
    std::error_code ec;
    fs::remove(fs::path(dir) / kStateFile, ec);
    if (fs::exists(dir)) remove_other_tensor_files(dir, "");
    fs::remove(dir, ec);  // only when empty
  });
}

}  // namespace iwsi
