// LoRA adapters on the Llama projections: PEFT-compatible initialization, tensor names, adapter
// files and merge, plus the adapted term that linear() in llama.cc adds (lora_delta) with its
// batch-independent dropout masks. Loading is strict in the way load_llama is: every expected tensor
// with the right shape, nothing unexpected, and PEFT options we do not implement are rejected by name.
// Deliberately not here: optimizers, training loops, any PEFT method other than plain LoRA.
#include "model/lora.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/checkpoint.h"
#include "model/invariant_linear.h"
#include "model/safetensors.h"
#include "sample/rng.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kWeightsFile = "adapter_model.safetensors";

// The projections of a layer in module order; `block` is the HF submodule holding it.
struct ModuleSlot {
  const char* name;
  const char* block;
  Linear LlamaLayer::*member;
};
const ModuleSlot kModules[] = {
    {"q_proj", "self_attn", &LlamaLayer::q},  {"k_proj", "self_attn", &LlamaLayer::k},
    {"v_proj", "self_attn", &LlamaLayer::v},  {"o_proj", "self_attn", &LlamaLayer::o},
    {"gate_proj", "mlp", &LlamaLayer::gate}, {"up_proj", "mlp", &LlamaLayer::up},
    {"down_proj", "mlp", &LlamaLayer::down},
};
constexpr int64_t kModuleCount = 7;

std::string valid_names() {
  std::string out;
  for (const ModuleSlot& m : kModules) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

// Module indices of `targets` as a per-module flag; unknown or repeated names throw, naming `where`.
std::vector<bool> targeted_modules(const std::vector<std::string>& targets, const std::string& where) {
  IWSI_CHECK(!targets.empty(), where, ": no target modules given; valid: ", valid_names());
  std::vector<bool> on(kModuleCount, false);
  for (const std::string& t : targets) {
    int64_t found = -1;
    for (int64_t m = 0; m < kModuleCount; ++m)
      if (t == kModules[m].name) found = m;
    IWSI_CHECK(found >= 0, where, ": target module '", t, "' is not a projection of a Llama layer; valid: ",
               valid_names());
    IWSI_CHECK(!on[found], where, ": target module '", t, "' is listed twice");
    on[found] = true;
  }
  return on;
}

void check_config(const LoraConfig& c, const std::string& where) {
  IWSI_CHECK(c.r > 0, where, ": LoRA rank r must be positive, got ", c.r);
  IWSI_CHECK(std::isfinite(c.alpha) && c.alpha > 0, where, ": lora_alpha must be positive, got ", c.alpha);
  IWSI_CHECK(c.dropout >= 0 && c.dropout < 1, where, ": lora_dropout must be in [0, 1), got ", c.dropout);
}

// Adapters train and merge in float32 even on a bf16/f16 base (PEFT's adapter autocast); a float64
// model (tests) keeps float64 throughout.
torch::ScalarType lora_dtype(const Llama& model) {
  return model.embed.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

std::string peft_name(int64_t layer, int64_t module, const char* which) {
  return "base_model.model.model.layers." + std::to_string(layer) + "." + kModules[module].block + "." +
         kModules[module].name + ".lora_" + which + ".weight";
}

void require_no_adapters(const Llama& model, const std::string& where) {
  for (const LlamaLayer& layer : model.layers)
    for (const ModuleSlot& m : kModules)
      IWSI_CHECK(!(layer.*m.member).lora, where, ": the model already has LoRA adapters (merge_lora them first)");
}


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
    check_config(c, path);
    scale = j.value("use_rslora", false) ? c.alpha / std::sqrt(static_cast<double>(c.r)) : c.alpha / c.r;
  } catch (const json::exception& ex) {
    fail(path, ": bad or missing LoRA field: ", ex.what());
  }
  return {c, scale};
}

// The element-wise splitmix64 finalizer on int64 tensors (two's-complement wrap-around arithmetic,
// logical shifts), bit for bit sample/rng.h's splitmix64_mix.
int64_t as_int64(uint64_t v) {
  int64_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}
torch::Tensor shift_right_logical(const torch::Tensor& z, int bits) {
  return torch::bitwise_right_shift(z, bits).bitwise_and(as_int64(~0ULL >> bits));
}
torch::Tensor splitmix64_mix(torch::Tensor z) {
  z = torch::bitwise_xor(z, shift_right_logical(z, 30)) * as_int64(0xbf58476d1ce4e5b9ULL);
  z = torch::bitwise_xor(z, shift_right_logical(z, 27)) * as_int64(0x94d049bb133111ebULL);
  return torch::bitwise_xor(z, shift_right_logical(z, 31));
}

}  // namespace

const std::vector<std::string>& lora_module_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const ModuleSlot& m : kModules) n.push_back(m.name);
    return n;
  }();
  return names;
}

void add_lora(Llama& model, const LoraConfig& config, uint64_t seed) {
  check_config(config, "add_lora");
  const std::vector<bool> on = targeted_modules(config.targets, "add_lora");
  require_no_adapters(model, "add_lora");
  for (auto& [name, tensor] : llama_named_tensors(model)) tensor.set_requires_grad(false);

  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto options = torch::TensorOptions().dtype(lora_dtype(model)).device(model.embed.device());
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l) {
    for (int64_t m = 0; m < kModuleCount; ++m) {
      if (!on[m]) continue;
      Linear& target = model.layers[l].*kModules[m].member;
      const int64_t out = target.weight.size(0), in = target.weight.size(1);
      // kaiming_uniform_(a=sqrt(5)) on (r, in): gain sqrt(2/(1+5)), bound gain*sqrt(3/in) = 1/sqrt(in).
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));
      auto lora = std::make_shared<LoraWeights>();
      lora->a = ((torch::rand({config.r, in}, gen, torch::kFloat32) * 2 - 1) * bound).to(options);  // (r, in)
      lora->b = torch::zeros({out, config.r}, options);                                                 // (out, r)
      lora->a.set_requires_grad(true);
      lora->b.set_requires_grad(true);
      lora->scale = config.alpha / static_cast<double>(config.r);
      lora->dropout = config.dropout;
      lora->layer = l;
      lora->module = m;
      target.lora = lora;
    }
  }
}

std::vector<std::pair<std::string, torch::Tensor>> lora_parameters(const Llama& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l) {
    for (int64_t m = 0; m < kModuleCount; ++m) {
      const Linear& target = model.layers[l].*kModules[m].member;
      if (!target.lora) continue;
      out.emplace_back(peft_name(l, m, "A"), target.lora->a);
      out.emplace_back(peft_name(l, m, "B"), target.lora->b);
    }
  }
  return out;
}

void save_lora_adapter(const Llama& model, const LoraConfig& config, const std::string& dir,
                       const std::string& base_model_path) {
  const std::string where = "save_lora_adapter " + dir;
  check_config(config, where);
  const std::vector<bool> on = targeted_modules(config.targets, where);
  std::vector<std::string> targets;  // in module order, so the file does not depend on the option's order
  for (int64_t m = 0; m < kModuleCount; ++m)
    if (on[m]) targets.push_back(kModules[m].name);
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l) {
    for (int64_t m = 0; m < kModuleCount; ++m) {
      const std::shared_ptr<LoraWeights>& lora = (model.layers[l].*kModules[m].member).lora;
      IWSI_CHECK(static_cast<bool>(lora) == on[m], where, ": layer ", l, " ", kModules[m].name,
                 lora ? " has an adapter but is not" : " has no adapter but is", " in the config's target modules");
      if (!lora) continue;
      IWSI_CHECK(lora->a.size(0) == config.r && std::abs(lora->scale * config.r - config.alpha) <= 1e-9 * config.alpha,
                 where, ": layer ", l, " ", kModules[m].name, " has rank ", lora->a.size(0), " and scale ", lora->scale,
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
  const std::vector<bool> on = targeted_modules(config.targets, config_path);
  require_no_adapters(model, "load_lora_adapter " + dir);
  IWSI_CHECK(fs::is_regular_file(weights_path), "LoRA adapter: missing ", weights_path,
             fs::exists(fs::path(dir) / "adapter_model.bin") ? " (adapter_model.bin is not supported)" : "");
  const SafetensorsFile file(weights_path);

  // Every expected tensor first, so a missing or misshapen one is reported before the model changes.
  const auto options = torch::TensorOptions().dtype(lora_dtype(model)).device(model.embed.device());
  std::set<std::string> expected;
  std::vector<std::shared_ptr<LoraWeights>> loaded(model.layers.size() * kModuleCount);
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l) {
    for (int64_t m = 0; m < kModuleCount; ++m) {
      if (!on[m]) continue;
      const torch::Tensor& w = (model.layers[l].*kModules[m].member).weight;  // (out, in)
      auto read = [&](const char* which, std::vector<int64_t> shape) {
        const std::string name = peft_name(l, m, which);
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
      loaded[l * kModuleCount + m] = lora;
    }
  }
  for (const std::string& name : file.names())
    IWSI_CHECK(expected.count(name), weights_path, ": unexpected tensor '", name, "' (not a LoRA tensor of the ",
               "target modules ", json(config.targets).dump(), " of this ", model.layers.size(), "-layer model)");
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l)
    for (int64_t m = 0; m < kModuleCount; ++m)
      if (on[m]) (model.layers[l].*kModules[m].member).lora = loaded[l * kModuleCount + m];
  return config;
}

void merge_lora(Llama& model) {
  torch::NoGradGuard no_grad;
  for (LlamaLayer& layer : model.layers) {
    for (const ModuleSlot& m : kModules) {
      Linear& target = layer.*m.member;
      if (!target.lora) continue;
      const LoraWeights& lora = *target.lora;
      const torch::ScalarType dtype = target.weight.scalar_type();
      const torch::ScalarType acc = dtype == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
      torch::Tensor delta = matmul_forward(lora.b.to(acc), lora.a.to(acc)) * lora.scale;  // (out, in)
      target.weight = (target.weight.to(acc) + delta).to(dtype);  // a new tensor, never in place
      target.lora.reset();
    }
  }
}

torch::Tensor lora_dropout_multiplier(const torch::Tensor& row_seeds, int64_t layer, int64_t module, double p,
                                      torch::IntArrayRef shape, const torch::TensorOptions& options) {
  IWSI_CHECK(p >= 0 && p < 1, "LoRA dropout must be in [0, 1), got ", p);
  IWSI_CHECK(!shape.empty() && row_seeds.defined() && row_seeds.dim() == 1 && row_seeds.size(0) == shape[0],
             "lora_dropout_seeds must be (B) with B = ", shape.empty() ? 0 : shape[0], " rows, got ",
             row_seeds.defined() ? row_seeds.sizes() : torch::IntArrayRef{});
  constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
  constexpr uint64_t kDomain = 0x4c6f5241ULL;  // keeps these streams apart from other users of counter_hash
  const int64_t rows = shape[0], per_row = rows == 0 ? 0 : c10::multiply_integers(shape) / rows;
  const torch::Tensor seeds = row_seeds.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t* seed = seeds.data_ptr<int64_t>();
  std::vector<int64_t> keys(rows);
  for (int64_t n = 0; n < rows; ++n)
    keys[n] = as_int64(counter_hash(static_cast<uint64_t>(seed[n]), static_cast<uint64_t>(layer),
                                    static_cast<uint64_t>(module), kDomain));
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(options.device());
  torch::Tensor key = torch::tensor(keys, torch::kLong).to(options.device()).view({rows, 1});  // (N, 1)
  torch::Tensor counter = torch::arange(1, per_row + 1, long_options).mul(as_int64(kGamma)).view({1, per_row});
  torch::Tensor bits = shift_right_logical(splitmix64_mix(key + counter), 40);  // (N, per_row) top 24 bits
  const int64_t threshold = std::llround((1.0 - p) * 16777216.0);
  return (bits < threshold).to(options.dtype()).mul(1.0 / (1.0 - p)).view(shape);
}

torch::Tensor lora_delta(const torch::Tensor& x, const LoraWeights& lora, const torch::Tensor& row_seeds) {
  torch::Tensor h = x.to(lora.a.scalar_type());  // (N, ..., in)
  if (row_seeds.defined() && lora.dropout > 0)
    h = h * lora_dropout_multiplier(row_seeds, lora.layer, lora.module, lora.dropout, h.sizes(), h.options());
  torch::Tensor down = linear_forward(h, lora.a, {}) * lora.scale;  // (N, ..., r)
  return linear_forward(down, lora.b, {}).to(x.scalar_type());      // (N, ..., out)
}

}  // namespace iwsi
