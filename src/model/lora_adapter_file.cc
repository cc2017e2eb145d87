#include "model/lora_adapter_file.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/lora_modules.h"
#include "model/safetensors.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kWeightsFile = "adapter_model.safetensors";

// PEFT writes an integral alpha as an int; keep that spelling so the file reads as PEFT's own.
json number_json(double value) {
  return value == std::floor(value) && std::abs(value) < 1e15 ? json(static_cast<int64_t>(value)) : json(value);
}

// The LoRA fields of a PEFT adapter_config.json, and its scale. Fields of PEFT options this code does
// not implement must be absent or at their "off" value.
std::pair<LoraConfig, double> read_adapter_config(const std::string& path) {
  IWSI_CHECK(fs::is_regular_file(path), "LoRA adapter: missing ", path);
  json j;
  try {
    std::ifstream in(path);
    j = json::parse(in);
  } catch (const json::exception& ex) {
    fail(path, ": not valid JSON: ", ex.what());
  }
  IWSI_CHECK(j.is_object(), path, ": expected a JSON object");
  auto off = [&](const char* field, const json& off_value) {
    IWSI_CHECK(!j.contains(field) || j[field].is_null() || j[field] == off_value, path, ": field '", field, "' = ",
               j[field].dump(), " is not supported (only ", off_value.dump(), ")");
  };
  LoraConfig c;
  double scale = 0;
  try {
    IWSI_CHECK(j.value("peft_type", "") == "LORA", path, ": field 'peft_type' must be \"LORA\", got ",
               j.contains("peft_type") ? j["peft_type"].dump() : std::string("nothing"));
    IWSI_CHECK(j.contains("target_modules") && j["target_modules"].is_array(), path,
               ": field 'target_modules' must be a list of module names (a regex string is not supported)");
    c.r = j.at("r").get<int64_t>();
    c.alpha = j.at("lora_alpha").get<double>();
    c.dropout = j.value("lora_dropout", 0.0);
    c.targets = j["target_modules"].get<std::vector<std::string>>();
    off("bias", "none");
    off("fan_in_fan_out", false);
    off("use_dora", false);
    off("lora_bias", false);
    off("layers_to_transform", json());
    off("modules_to_save", json::array());
    off("rank_pattern", json::object());
    off("alpha_pattern", json::object());
    // Newer PEFT options that change which weights an adapter touches or adds.
    off("layer_replication", json());
    off("exclude_modules", json());
    off("target_parameters", json());
    off("trainable_token_indices", json());
    check_lora_config(c, path);
    scale = j.value("use_rslora", false) ? c.alpha / std::sqrt(static_cast<double>(c.r)) : c.alpha / c.r;
  } catch (const json::exception& ex) {
    fail(path, ": bad or missing LoRA field: ", ex.what());
  }
  return {c, scale};
}

}  // namespace

void save_lora_adapter(const Llama& model, const LoraConfig& config, const std::string& dir,
                       const std::string& base_model_path) {
  const std::string where = "save_lora_adapter " + dir;
  check_lora_config(config, where);
  const std::vector<bool> on = lora_targeted_modules(config.targets, where);
  std::vector<std::string> targets;  // in module order, so the file does not depend on the option's order
  for (int64_t m = 0; m < kLoraModuleCount; ++m)
    if (on[m]) targets.push_back(kLoraModules[m].name);
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l) {
    for (int64_t m = 0; m < kLoraModuleCount; ++m) {
      const std::shared_ptr<LoraWeights>& lora = (model.layers[l].*kLoraModules[m].member).lora;
      IWSI_CHECK(static_cast<bool>(lora) == on[m], where, ": layer ", l, " ", kLoraModules[m].name,
                 lora ? " has an adapter but is not" : " has no adapter but is", " in the config's target modules");
      if (!lora) continue;
      IWSI_CHECK(lora->a.size(0) == config.r && std::abs(lora->scale * config.r - config.alpha) <= 1e-9 * config.alpha,
                 where, ": layer ", l, " ", kLoraModules[m].name, " has rank ", lora->a.size(0), " and scale ", lora->scale,
                 ", the config says r = ", config.r, ", alpha = ", config.alpha);
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  IWSI_CHECK(!ec, where, ": cannot create the directory: ", ec.message());
  write_safetensors((fs::path(dir) / kWeightsFile).string(), lora_parameters(model), {{"format", "pt"}}, torch::kFloat32);

  json j = {{"peft_type", "LORA"},
            {"task_type", "CAUSAL_LM"},
            {"r", config.r},
            {"lora_alpha", number_json(config.alpha)},
            {"lora_dropout", config.dropout},
            {"target_modules", targets},
            {"bias", "none"},
            // Absolute, so PeftModel.from_pretrained finds the base from any working directory.
            {"base_model_name_or_path", base_model_path.empty() ? base_model_path
                                                                : fs::absolute(base_model_path).lexically_normal().string()},
            {"fan_in_fan_out", false},
            {"inference_mode", true},
            {"modules_to_save", nullptr},
            {"use_rslora", false},
            {"init_lora_weights", true}};
  write_file_atomically((fs::path(dir) / kConfigFile).string(), j.dump(2) + "\n");
}

LoraConfig load_lora_adapter(Llama& model, const std::string& dir) {
  IWSI_CHECK(fs::is_directory(dir), "LoRA adapter: no such directory ", dir);
  const std::string config_path = (fs::path(dir) / kConfigFile).string();
  const std::string weights_path = (fs::path(dir) / kWeightsFile).string();
  const auto [config, scale] = read_adapter_config(config_path);
  const std::vector<bool> on = lora_targeted_modules(config.targets, config_path);
  require_no_lora(model, "load_lora_adapter " + dir);
  IWSI_CHECK(fs::is_regular_file(weights_path), "LoRA adapter: missing ", weights_path,
             fs::exists(fs::path(dir) / "adapter_model.bin") ? " (adapter_model.bin is not supported)" : "");
  const SafetensorsFile file(weights_path);

  // Every expected tensor first, so a missing or misshapen one is reported before the model changes.
  const auto options = torch::TensorOptions().dtype(lora_dtype(model)).device(model.embed.device());
  std::set<std::string> expected;
  std::vector<std::shared_ptr<LoraWeights>> loaded(model.layers.size() * kLoraModuleCount);
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l) {
    for (int64_t m = 0; m < kLoraModuleCount; ++m) {
      if (!on[m]) continue;
      const torch::Tensor& w = (model.layers[l].*kLoraModules[m].member).weight;  // (out, in)
      auto read = [&](const char* which, std::vector<int64_t> shape) {
        const std::string name = lora_peft_name(l, m, which);
        expected.insert(name);
        IWSI_CHECK(file.has(name), weights_path, ": missing tensor '", name, "'");
        const SafetensorsEntry& e = file.entry(name);
        IWSI_CHECK(e.shape == shape, weights_path, ": tensor '", name, "' has shape ", torch::IntArrayRef(e.shape),
                   ", expected ", torch::IntArrayRef(shape), " (an adapter for another base model?)");
        torch::Tensor t = file.tensor(name);
        IWSI_CHECK(t.is_floating_point(), weights_path, ": tensor '", name, "' has dtype ", e.dtype);
        return t.to(options, /*non_blocking=*/false, /*copy=*/true);
      };
      auto lora = std::make_shared<LoraWeights>();
      lora->a = read("A", {config.r, w.size(1)});
      lora->b = read("B", {w.size(0), config.r});
      lora->scale = scale;
      lora->dropout = config.dropout;
      lora->layer = l;
      lora->module = m;
      loaded[l * kLoraModuleCount + m] = lora;
    }
  }
  for (const std::string& name : file.names())
    IWSI_CHECK(expected.count(name), weights_path, ": unexpected tensor '", name, "' (not a LoRA tensor of the ",
               "target modules ", json(config.targets).dump(), " of this ", model.layers.size(), "-layer model)");
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l)
    for (int64_t m = 0; m < kLoraModuleCount; ++m)
      if (on[m]) (model.layers[l].*kLoraModules[m].member).lora = loaded[l * kLoraModuleCount + m];
  return config;
}

}  // namespace iwsi
