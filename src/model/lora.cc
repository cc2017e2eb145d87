// LoRA adapters on the Llama projections: PEFT-compatible initialization, tensor names and merge,
// plus the adapted term that linear() in llama.cc adds (lora_delta) with its batch-independent
// dropout masks. The adapter files are lora_adapter_file.cc.
// Deliberately not here: optimizers, training loops, any PEFT method other than plain LoRA.
#include "model/lora.h"
#include "model/lora_modules.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "model/checkpoint.h"
#include "model/invariant_linear.h"
#include "core/rng.h"

namespace iwsi {
namespace {

// The element-wise splitmix64 finalizer on int64 tensors (two's-complement wrap-around arithmetic,
// logical shifts), bit for bit core/rng.h's splitmix64_mix.
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

std::string lora_target_names() {
  std::string out;
  for (const LoraModuleSlot& m : kLoraModules) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

std::vector<bool> lora_targeted_modules(const std::vector<std::string>& targets, const std::string& where) {
  IWSI_CHECK(!targets.empty(), where, ": no target modules given; valid: ", lora_target_names());
  std::vector<bool> on(kLoraModuleCount, false);
  for (const std::string& t : targets) {
    int64_t found = -1;
    for (int64_t m = 0; m < kLoraModuleCount; ++m)
      if (t == kLoraModules[m].name) found = m;
    IWSI_CHECK(found >= 0, where, ": target module '", t, "' is not a projection of a Llama layer; valid: ",
               lora_target_names());
    IWSI_CHECK(!on[found], where, ": target module '", t, "' is listed twice");
    on[found] = true;
  }
  return on;
}

void check_lora_config(const LoraConfig& c, const std::string& where) {
  IWSI_CHECK(c.r > 0, where, ": LoRA rank r must be positive, got ", c.r);
  IWSI_CHECK(std::isfinite(c.alpha) && c.alpha > 0, where, ": lora_alpha must be positive, got ", c.alpha);
  IWSI_CHECK(c.dropout >= 0 && c.dropout < 1, where, ": lora_dropout must be in [0, 1), got ", c.dropout);
}

torch::ScalarType lora_dtype(const Llama& model) {
  return model.embed.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
}

std::string lora_peft_name(int64_t layer, int64_t module, const char* which) {
  return "base_model.model.model.layers." + std::to_string(layer) + "." + kLoraModules[module].block + "." +
         kLoraModules[module].name + ".lora_" + which + ".weight";
}

void require_no_lora(const Llama& model, const std::string& where) {
  for (const LlamaLayer& layer : model.layers)
    for (const LoraModuleSlot& m : kLoraModules)
      IWSI_CHECK(!(layer.*m.member).lora, where, ": the model already has LoRA adapters (merge_lora them first)");
}

const std::vector<std::string>& lora_module_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const LoraModuleSlot& m : kLoraModules) n.push_back(m.name);
    return n;
  }();
  return names;
}

void add_lora(Llama& model, const LoraConfig& config, uint64_t seed) {
  check_lora_config(config, "add_lora");
  const std::vector<bool> on = lora_targeted_modules(config.targets, "add_lora");
  require_no_lora(model, "add_lora");
  for (auto& [name, tensor] : llama_named_tensors(model)) tensor.set_requires_grad(false);

  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto options = torch::TensorOptions().dtype(lora_dtype(model)).device(model.embed.device());
  for (int64_t l = 0; l < static_cast<int64_t>(model.layers.size()); ++l) {
    for (int64_t m = 0; m < kLoraModuleCount; ++m) {
      if (!on[m]) continue;
      Linear& target = model.layers[l].*kLoraModules[m].member;
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
    for (int64_t m = 0; m < kLoraModuleCount; ++m) {
      const Linear& target = model.layers[l].*kLoraModules[m].member;
      if (!target.lora) continue;
      out.emplace_back(lora_peft_name(l, m, "A"), target.lora->a);
      out.emplace_back(lora_peft_name(l, m, "B"), target.lora->b);
    }
  }
  return out;
}

void merge_lora(Llama& model) {
  torch::NoGradGuard no_grad;
  for (LlamaLayer& layer : model.layers) {
    for (const LoraModuleSlot& m : kLoraModules) {
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
  IWSI_ASSERT(!shape.empty() && row_seeds.defined() && row_seeds.dim() == 1 && row_seeds.size(0) == shape[0],
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
