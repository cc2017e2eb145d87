// LoRA as a specification: PEFT initialization and names, exact gradients (central finite
// differences in float64), B = 0 leaves the model unchanged, adapters survive save -> load, merging
// equals base + adapter, the PEFT file layout, strict loading with errors that name the culprit,
// and dropout masks that depend only on a row's own seed (rank-count invariance of training).
// Runs on a tiny random float64 model and on stories260K (float32).
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/checkpoint.h"
#include "model/llama.h"
#include "model/lora.h"
#include "model/lora_adapter_file.h"
#include "model/safetensors.h"
#include "core/rng.h"
#include "expect_error.h"
#include "float_bounds.h"
#include "test_paths.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kStories = testing::shared_dir() + "/models/stories260K";
const std::vector<std::string> kAllModules = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};

// Llama with biases on q/k/v/o and GQA (4 query heads on 2 KV heads), small enough for finite differences.
LlamaConfig tiny_config(int64_t hidden = 16, int64_t layers = 2) {
  LlamaConfig c;
  c.vocab_size = 29, c.hidden_size = hidden, c.intermediate_size = 24, c.num_layers = layers;
  c.num_heads = 4, c.num_kv_heads = 2, c.head_dim = hidden / 4, c.max_position_embeddings = 64;
  c.attention_bias = true;
  return c;
}

LoraConfig lora_config(int64_t r, std::vector<std::string> targets = kAllModules, double dropout = 0.0) {
  LoraConfig c;
  c.r = r, c.alpha = 2.0 * r + 1, c.dropout = dropout, c.targets = std::move(targets);
  return c;
}

// B ~ N(0, std^2) for every adapter, so the adapters change the model (add_lora leaves B = 0).
void randomize_b(Llama& model, uint64_t seed, double std) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (auto& [name, t] : lora_parameters(model))
    if (name.find("lora_B") != std::string::npos) t.copy_(torch::randn(t.sizes(), gen, torch::kFloat32) * std);
}

torch::Tensor batch_ids(const std::vector<std::vector<int64_t>>& rows) {  // (B, T), equal lengths
  std::vector<torch::Tensor> r;
  for (const auto& row : rows) r.push_back(torch::tensor(row, torch::kLong));
  return torch::stack(r);
}
torch::Tensor positions_like(const torch::Tensor& ids) {  // (B, T)
  return torch::arange(ids.size(1), torch::kLong).unsqueeze(0).expand(ids.sizes()).contiguous();
}

// Logits (B, T, V) in the model's own dtype (forward() returns float32, too coarse for float64 checks).
torch::Tensor logits_of(const Llama& m, const torch::Tensor& ids) {
  torch::Tensor hidden = forward_hidden(m, ids, positions_like(ids), torch::Tensor(), nullptr);
  return torch::linear(hidden, m.lm_head.weight);
}

// The masked answer NLL of answer_nll: the mean -log p of the tokens after `prompt_len` in each row.
torch::Tensor answer_loss(const Llama& m, const torch::Tensor& ids, int64_t prompt_len) {
  torch::Tensor logp = torch::log_softmax(logits_of(m, ids).narrow(1, 0, ids.size(1) - 1), -1);  // (B, T-1, V)
  torch::Tensor target = ids.narrow(1, 1, ids.size(1) - 1);                                        // (B, T-1)
  torch::Tensor nll = -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1);                          // (B, T-1)
  return nll.narrow(1, prompt_len - 1, nll.size(1) - prompt_len + 1).mean();
}

double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

using testing::expect_error;

const torch::Tensor& stories_ids() {  // (2, 24) arbitrary in-vocabulary ids
  static const torch::Tensor ids = [] {
    std::vector<std::vector<int64_t>> rows(2);
    for (int64_t i = 0; i < 24; ++i) rows[0].push_back((i * 37 + 5) % 512), rows[1].push_back((i * 101 + 77) % 512);
    return batch_ids(rows);
  }();
  return ids;
}

// ---- adding adapters ---------------------------------------------------------------------------

TEST(Lora, AddLoraInitializesLikePeftAndFreezesTheBase) {
  torch::set_num_threads(1);
  Llama m = random_llama(tiny_config(), 1, torch::kFloat64);
  add_lora(m, lora_config(4, {"down_proj", "q_proj", "v_proj"}), 7);
  const auto params = lora_parameters(m);
  std::vector<std::string> names;
  for (const auto& [name, t] : params) names.push_back(name);
  const std::vector<std::string> want = {
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
      "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight", "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
      "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight",    "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight",
      "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
      "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight", "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight",
      "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight",    "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"};
  EXPECT_EQ(names, want);
  const LoraWeights& down = *m.layers[1].down.lora;
  EXPECT_EQ(down.a.sizes(), (torch::IntArrayRef{4, 24}));  // (r, in = intermediate)
  EXPECT_EQ(down.b.sizes(), (torch::IntArrayRef{16, 4}));  // (out = hidden, r)
  EXPECT_EQ(m.layers[0].v.lora->b.sizes(), (torch::IntArrayRef{8, 4}));  // 2 KV heads * head_dim 4
  EXPECT_DOUBLE_EQ(down.scale, 9.0 / 4.0);                                 // alpha / r
  EXPECT_EQ(down.a.scalar_type(), torch::kFloat64);
  // kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(in), 1/sqrt(in)); B = 0.
  const double bound = 1.0 / std::sqrt(24.0);
  EXPECT_LE(down.a.abs().max().item<double>(), bound);
  EXPECT_GT(down.a.abs().max().item<double>(), 0.8 * bound);
  EXPECT_EQ(down.b.abs().max().item<double>(), 0.0);
  EXPECT_FALSE(m.layers[0].k.lora);
  for (const auto& [name, t] : params) EXPECT_TRUE(t.requires_grad()) << name;
  for (const auto& [name, t] : llama_named_tensors(m)) EXPECT_FALSE(t.requires_grad()) << name;

  Llama again = random_llama(tiny_config(), 1, torch::kFloat64);  // the seed alone decides the init
  add_lora(again, lora_config(4, {"q_proj", "v_proj", "down_proj"}), 7);
  EXPECT_TRUE(testing::tensors_equal(again.layers[1].down.lora->a, down.a));
  expect_error([&] { add_lora(m, lora_config(4), 7); }, {"already has LoRA adapters"});
}

TEST(Lora, UnknownTargetOrBadConfigIsRejectedListingTheValidNames) {
  EXPECT_EQ(lora_module_names(), kAllModules);
  Llama m = random_llama(tiny_config(), 1, torch::kFloat64);
  expect_error([&] { add_lora(m, lora_config(4, {"q_proj", "c_attn"}), 1); },
               {"'c_attn'", "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"});
  expect_error([&] { add_lora(m, lora_config(4, {"q_proj", "q_proj"}), 1); }, {"'q_proj' is listed twice"});
  expect_error([&] { add_lora(m, lora_config(0), 1); }, {"rank r must be positive"});
  expect_error([&] { add_lora(m, lora_config(4, kAllModules, 1.0), 1); }, {"lora_dropout must be in [0, 1)"});
  EXPECT_TRUE(lora_parameters(m).empty());
}

// ---- the adapted forward -----------------------------------------------------------------------

TEST(Lora, ZeroBLeavesLogitsExactlyUnchangedAndRandomBChangesThem) {
  torch::NoGradGuard no_grad;
  const Llama base = load_llama(kStories);
  Llama adapted = base;  // shallow: shares the base tensors
  add_lora(adapted, lora_config(8), 3);
  const torch::Tensor want = forward(base, stories_ids(), positions_like(stories_ids()), {}, nullptr);
  EXPECT_TRUE(testing::tensors_equal(forward(adapted, stories_ids(), positions_like(stories_ids()), {}, nullptr), want));
  randomize_b(adapted, 4, 0.05);
  const double diff = max_abs(forward(adapted, stories_ids(), positions_like(stories_ids()), {}, nullptr), want);
  std::printf("[ info     ] stories260K: random B moves the logits by up to %.3g\n", diff);
  EXPECT_GT(diff, 1e-2);
}

TEST(Lora, GradientsMatchCentralFiniteDifferencesAndOnlyLoraParametersLearn) {
  Llama m = random_llama(tiny_config(), 11, torch::kFloat64);
  add_lora(m, lora_config(3), 12);
  randomize_b(m, 13, 0.3);  // with B = 0 every gradient of A would be zero
  const torch::Tensor ids = batch_ids({{1, 5, 9, 2, 6, 5, 3, 5, 8, 9}, {2, 7, 1, 8, 2, 8, 18, 28, 4, 5}});
  const int64_t prompt_len = 4;
  const torch::Tensor loss = answer_loss(m, ids, prompt_len);
  loss.backward();
  for (const auto& [name, t] : llama_named_tensors(m)) {
    EXPECT_FALSE(t.requires_grad()) << name;
    EXPECT_FALSE(t.grad().defined()) << name;
  }
  const auto params = lora_parameters(m);
  ASSERT_EQ(params.size(), 2u * 7 * 2);
  const double eps = 1e-5;
  double worst = 0;
  for (size_t p = 0; p < params.size(); p += 3) {  // A and B of every module kind, both layers
    const torch::Tensor& t = params[p].second;
    ASSERT_TRUE(t.grad().defined()) << params[p].first;
    for (int64_t k : {int64_t(0), t.numel() / 2 + 1, t.numel() - 1}) {
      double plus, minus;
      {
        torch::NoGradGuard no_grad;
        torch::Tensor flat = t.view(-1);
        flat[k] += eps;
        plus = answer_loss(m, ids, prompt_len).item<double>();
        flat[k] -= 2 * eps;
        minus = answer_loss(m, ids, prompt_len).item<double>();
        flat[k] += eps;
      }
      const double numeric = (plus - minus) / (2 * eps), analytic = t.grad().view(-1)[k].item<double>();
      const double rel = std::abs(numeric - analytic) / std::max(std::abs(numeric), 1e-3);
      worst = std::max(worst, rel);
      EXPECT_LT(rel, 1e-5) << params[p].first << "[" << k << "]: analytic " << analytic << ", numeric " << numeric;
    }
  }
  std::printf("[ info     ] worst relative error of LoRA gradients vs finite differences: %.3g\n", worst);

  // One SGD step on the LoRA parameters lowers the loss; the base tensors keep their values.
  std::vector<torch::Tensor> before;
  for (const auto& [name, t] : llama_named_tensors(m)) before.push_back(t.clone());
  {
    torch::NoGradGuard no_grad;
    for (const auto& [name, t] : params) t.sub_(t.grad() * 0.05);
  }
  EXPECT_LT(answer_loss(m, ids, prompt_len).item<double>(), loss.item<double>());
  const auto after = llama_named_tensors(m);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_TRUE(testing::tensors_equal(after[i].second, before[i])) << after[i].first;
}

// ---- save, load, merge -------------------------------------------------------------------------

TEST(Lora, SaveLoadMergeAndSaveMergedReproduceTheLogits) {
  torch::NoGradGuard no_grad;
  const std::string dir = testing::scratch_dir("lora-roundtrip");
  const Llama base = load_llama(kStories);
  const torch::Tensor ids = stories_ids(), pos = positions_like(ids);
  const torch::Tensor base_logits = forward(base, ids, pos, {}, nullptr);
  Llama adapted = base;
  const LoraConfig config = lora_config(8, {"q_proj", "v_proj", "gate_proj", "up_proj", "down_proj"}, 0.05);
  add_lora(adapted, config, 21);
  randomize_b(adapted, 22, 0.01);
  const torch::Tensor want = forward(adapted, ids, pos, {}, nullptr);
  save_lora_adapter(adapted, config, dir + "/adapter", kStories);

  Llama reloaded = load_llama(kStories);
  const LoraConfig read = load_lora_adapter(reloaded, dir + "/adapter");
  EXPECT_EQ(read.r, 8);
  EXPECT_DOUBLE_EQ(read.alpha, 17.0);
  EXPECT_DOUBLE_EQ(read.dropout, 0.05);
  EXPECT_EQ(read.targets, config.targets);
  EXPECT_DOUBLE_EQ(reloaded.layers[2].up.lora->scale, 17.0 / 8.0);
  EXPECT_TRUE(testing::tensors_equal(forward(reloaded, ids, pos, {}, nullptr), want)) << "the saved adapter is the same bits";

  // The same adapter on a float64 base: the reference for float32's own rounding error.
  Llama reloaded64 = load_llama(kStories, torch::kFloat64);
  load_lora_adapter(reloaded64, dir + "/adapter");
  const torch::Tensor want64 = logits_of(reloaded64, ids);
  const double float32_noise = max_abs(want, want64);

  merge_lora(reloaded);
  merge_lora(reloaded64);
  EXPECT_TRUE(lora_parameters(reloaded).empty());
  const torch::Tensor merged_logits = forward(reloaded, ids, pos, {}, nullptr);
  const double merge_err = max_abs(merged_logits, want), merge_err64 = max_abs(logits_of(reloaded64, ids), want64);
  std::printf("[ info     ] stories260K: the adapter moves the logits by up to %.3g (scale %.3g); merged vs base+adapter "
              "max |logit diff| = %.3g in float32 (whose own error vs float64 is %.3g), %.3g in float64\n",
              max_abs(want, base_logits), want.abs().max().item<double>(), merge_err, float32_noise, merge_err64);
  // Merged and unmerged are two float32 computations of one function: each within the float32 bound of
  // this 5-layer network (longest sums: the MLP's 172 inputs) of the float64 one.
  const double bound = testing::network_float32_bound(5, 172, want64.abs().max().item<double>());
  EXPECT_LT(float32_noise, bound);
  EXPECT_LT(max_abs(merged_logits, want64), bound);
  EXPECT_LT(merge_err64, 2 * testing::network_float64_bound(5, 172, want64.abs().max().item<double>()));

  save_llama(reloaded, dir + "/merged");
  const Llama merged = load_llama(dir + "/merged");
  EXPECT_TRUE(testing::tensors_equal(forward(merged, ids, pos, {}, nullptr), merged_logits));
  // Merging a shallow copy never writes into the weights it shares with the base.
  merge_lora(adapted);
  EXPECT_TRUE(testing::tensors_equal(forward(base, ids, pos, {}, nullptr), base_logits));
  EXPECT_TRUE(testing::tensors_equal(forward(adapted, ids, pos, {}, nullptr), merged_logits)) << "the same merge, the same bits";
}

TEST(Lora, MergeIsExactToFloat64Rounding) {
  torch::NoGradGuard no_grad;
  Llama m = random_llama(tiny_config(), 31, torch::kFloat64);
  add_lora(m, lora_config(5), 32);
  randomize_b(m, 33, 0.5);
  const torch::Tensor ids = batch_ids({{3, 1, 4, 1, 5, 9, 2, 6}, {2, 7, 1, 8, 2, 8, 1, 8}});
  const torch::Tensor want = logits_of(m, ids);
  merge_lora(m);
  const double err = max_abs(logits_of(m, ids), want);
  std::printf("[ info     ] float64: merged vs base+adapter max |logit diff| = %.3g (logit scale %.3g)\n", err,
              want.abs().max().item<double>());
  // tiny_config: 2 layers, longest sums 24 (the MLP)
  EXPECT_LT(err, 2 * testing::network_float64_bound(2, 24, want.abs().max().item<double>()));
  EXPECT_FALSE(m.layers[0].q.lora);
}

TEST(Lora, AdapterFilesHavePeftsLayout) {
  const std::string dir = testing::scratch_dir("lora-layout") + "/adapter";
  Llama m = load_llama(kStories);
  const LoraConfig config = lora_config(8, {"up_proj", "q_proj", "v_proj", "down_proj", "gate_proj"}, 0.05);
  add_lora(m, config, 5);
  save_lora_adapter(m, config, dir, "/models/stories260K");

  const SafetensorsFile f(dir + "/adapter_model.safetensors");
  EXPECT_EQ(f.entries.size(), 5u * 5 * 2);  // 5 layers x 5 modules x (A, B)
  EXPECT_EQ(f.metadata.at("format"), "pt");
  const std::vector<std::pair<std::string, std::vector<int64_t>>> by_hand = {
      {"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", {8, 64}},
      {"base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", {64, 8}},
      {"base_model.model.model.layers.3.self_attn.v_proj.lora_B.weight", {32, 8}},  // 4 KV heads x 8
      {"base_model.model.model.layers.4.mlp.gate_proj.lora_A.weight", {8, 64}},
      {"base_model.model.model.layers.4.mlp.up_proj.lora_B.weight", {172, 8}},
      {"base_model.model.model.layers.4.mlp.down_proj.lora_A.weight", {8, 172}},
      {"base_model.model.model.layers.4.mlp.down_proj.lora_B.weight", {64, 8}}};
  for (const auto& [name, shape] : by_hand) {
    ASSERT_TRUE(f.has(name)) << name;
    EXPECT_EQ(f.entry(name).shape, shape) << name;
    EXPECT_EQ(f.entry(name).dtype, "F32") << name;
  }
  EXPECT_FALSE(f.has("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight"));
  EXPECT_TRUE(testing::tensors_equal(f.tensor("base_model.model.model.layers.2.mlp.up_proj.lora_A.weight"), m.layers[2].up.lora->a));

  const json j = json::parse(std::ifstream(dir + "/adapter_config.json"));
  EXPECT_EQ(j.at("peft_type"), "LORA");
  EXPECT_EQ(j.at("task_type"), "CAUSAL_LM");
  EXPECT_EQ(j.at("r"), 8);
  EXPECT_EQ(j.at("lora_alpha"), 17);
  EXPECT_TRUE(j.at("lora_alpha").is_number_integer());
  EXPECT_DOUBLE_EQ(j.at("lora_dropout").get<double>(), 0.05);
  EXPECT_EQ(j.at("target_modules"), json({"q_proj", "v_proj", "gate_proj", "up_proj", "down_proj"}));  // module order
  EXPECT_EQ(j.at("bias"), "none");
  EXPECT_EQ(j.at("base_model_name_or_path"), "/models/stories260K");
  // A relative base is written absolute, so PEFT finds it from any working directory.
  save_lora_adapter(m, config, dir + "-relative", "models/./stories260K");
  EXPECT_EQ(json::parse(std::ifstream(dir + "-relative/adapter_config.json")).at("base_model_name_or_path"),
            (fs::current_path() / "models/stories260K").string());
  EXPECT_EQ(j.at("fan_in_fan_out"), false);
  EXPECT_EQ(j.at("inference_mode"), true);
  for (const auto& entry : fs::directory_iterator(dir))  // no temp files left behind
    EXPECT_TRUE(entry.path().filename() == "adapter_config.json" || entry.path().filename() == "adapter_model.safetensors")
        << entry.path();
}

// ---- strict loading ----------------------------------------------------------------------------

TEST(Lora, LoadingRejectsWrongAdaptersNamingTheFileAndTheCulprit) {
  const std::string root = testing::scratch_dir("lora-errors");
  Llama stories = load_llama(kStories);
  expect_error([&] { load_lora_adapter(stories, root + "/nowhere"); }, {"no such directory", root + "/nowhere"});

  // An adapter made for another base: hidden 32 instead of 64 (same 5 layers).
  Llama other = random_llama(tiny_config(32, 5), 1);
  add_lora(other, lora_config(8), 2);
  save_lora_adapter(other, lora_config(8), root + "/other", "other");
  expect_error([&] { load_lora_adapter(stories, root + "/other"); },
               {root + "/other/adapter_model.safetensors", "'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'",
                "shape [8, 32], expected [8, 64]"});
  // ... with more layers than the model: the extra layer's tensors are unexpected.
  Llama deeper = load_llama(kStories);
  deeper.layers.push_back(deeper.layers.back());
  add_lora(deeper, lora_config(8, {"q_proj"}), 2);
  save_lora_adapter(deeper, lora_config(8, {"q_proj"}), root + "/deeper", "deeper");
  expect_error([&] { load_lora_adapter(stories, root + "/deeper"); },
               {"adapter_model.safetensors", "unexpected tensor 'base_model.model.model.layers.5.self_attn.q_proj.lora_A.weight'"});

  // A target module this model does not have.
  Llama good = load_llama(kStories);
  add_lora(good, lora_config(8, {"q_proj"}), 2);
  save_lora_adapter(good, lora_config(8, {"q_proj"}), root + "/good", kStories);
  const std::string config_path = root + "/good/adapter_config.json";
  json j = json::parse(std::ifstream(config_path));
  auto rewrite = [&](const json& value) { std::ofstream(config_path) << value.dump(2); };
  json bad = j;
  bad["target_modules"] = {"q_proj", "c_attn"};
  rewrite(bad);
  expect_error([&] { load_lora_adapter(stories, root + "/good"); }, {config_path, "target module 'c_attn'", "valid: q_proj"});
  // PEFT options that change which weights an adapter touches: refused by name, never ignored.
  for (const auto& [field, value] : std::vector<std::pair<std::string, json>>{
           {"use_dora", true},
           {"layer_replication", json::array({json::array({0, 3})})},
           {"exclude_modules", json::array({"layers.0.self_attn.q_proj"})},
           {"target_parameters", json::array({"mlp.experts.gate_up_proj"})},
           {"trainable_token_indices", json::array({1, 2})}}) {
    bad = j;
    bad[field] = value;
    rewrite(bad);
    expect_error([&] { load_lora_adapter(stories, root + "/good"); }, {config_path, "'" + field + "'", "not supported"});
  }
  bad = j;
  bad["exclude_modules"] = nullptr;  // what PEFT writes when the option is off
  rewrite(bad);
  {
    Llama fresh = load_llama(kStories);
    load_lora_adapter(fresh, root + "/good");
    EXPECT_TRUE(fresh.layers[0].q.lora);
  }
  // A tensor missing: the file lists k_proj too, but only q_proj was saved.
  bad = j;
  bad["target_modules"] = {"q_proj", "k_proj"};
  rewrite(bad);
  expect_error([&] { load_lora_adapter(stories, root + "/good"); },
               {"adapter_model.safetensors", "missing tensor 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight'"});
  for (const LlamaLayer& layer : stories.layers) EXPECT_FALSE(layer.q.lora || layer.k.lora);  // failures change nothing

  rewrite(j);
  fs::remove(root + "/good/adapter_model.safetensors");
  expect_error([&] { load_lora_adapter(stories, root + "/good"); }, {"missing", root + "/good/adapter_model.safetensors"});
  fs::remove(config_path);
  expect_error([&] { load_lora_adapter(stories, root + "/good"); }, {"missing", config_path});
}

// ---- dropout -----------------------------------------------------------------------------------

TEST(LoraDropout, MasksAreTheCounterHashStreamOnEveryDevice) {
  // The tensor hash is bit for bit the scalar one (wrap-around int64 arithmetic, logical shifts).
  const double p = 0.3;
  const torch::Tensor seeds = torch::tensor({int64_t(42), int64_t(-7)}, torch::kLong);
  const torch::Tensor mult = lora_dropout_multiplier(seeds, 3, 5, p, {2, 50, 1000}, torch::kFloat64);  // (2, 50, 1000)
  for (int64_t n = 0; n < 2; ++n) {
    const uint64_t key = counter_hash(static_cast<uint64_t>(seeds[n].item<int64_t>()), 3, 5, 0x4c6f5241ULL);
    for (int64_t j : {int64_t(0), int64_t(1), int64_t(777), int64_t(49999)}) {
      const uint64_t bits = splitmix64_mix(key + (j + 1) * 0x9e3779b97f4a7c15ULL) >> 40;
      const double want = bits < static_cast<uint64_t>(std::llround(0.7 * 16777216.0)) ? 1.0 / 0.7 : 0.0;
      EXPECT_EQ(mult[n].view(-1)[j].item<double>(), want) << "row " << n << ", element " << j;
    }
  }
  const double kept = (mult > 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(kept, 0.7, 0.005);  // 100,000 draws: 3.5 standard deviations
  EXPECT_NEAR(mult.mean().item<double>(), 1.0, 0.01);
  EXPECT_FALSE(testing::tensors_equal(mult[0], mult[1]));
  EXPECT_FALSE(testing::tensors_equal(mult, lora_dropout_multiplier(seeds, 3, 6, p, {2, 50, 1000}, torch::kFloat64)));
  expect_error([&] { lora_dropout_multiplier(seeds, 0, 0, p, {3, 4}, torch::kFloat64); }, {"lora_dropout_seeds", "B = 3"});
}

TEST(LoraDropout, ARowsTermDependsOnlyOnItsOwnSeedNotOnItsBatch) {
  torch::NoGradGuard no_grad;
  LoraWeights lora;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  lora.a = torch::randn({4, 16}, gen, torch::kFloat64), lora.b = torch::randn({8, 4}, gen, torch::kFloat64);
  lora.scale = 2, lora.dropout = 0.5, lora.layer = 1, lora.module = 4;
  const torch::Tensor x = torch::randn({3, 6, 16}, gen, torch::kFloat64);  // (B, T, in)
  const torch::Tensor seeds = torch::tensor({int64_t(10), int64_t(11), int64_t(12)}, torch::kLong);
  const torch::Tensor together = lora_delta(x, lora, seeds);  // (3, 6, 8)
  // float64 products through BLAS, whose rounding may depend on the row count: two such results lie
  // within 2 gamma64(in + r) of the magnitude scale * |x| |A^T| |B^T| (times 2, the kept multiplier).
  const double bound = 2 * testing::gamma_float64(16 + 4) * lora.scale * 2 *
                       torch::matmul(torch::matmul(x.abs(), lora.a.abs().t()), lora.b.abs().t()).max().item<double>();
  for (int64_t b = 0; b < 3; ++b) {
    EXPECT_LT(max_abs(lora_delta(x.narrow(0, b, 1), lora, seeds.narrow(0, b, 1))[0], together[b]), bound) << "row " << b;
    // A shorter (less padded) batch gives the same masks on the positions it has.
    EXPECT_LT(max_abs(lora_delta(x.narrow(0, b, 1).narrow(1, 0, 4), lora, seeds.narrow(0, b, 1))[0], together[b].narrow(0, 0, 4)), bound);
  }
  // Seeds matter, and without seeds there is no dropout.
  const torch::Tensor plain = torch::linear(torch::linear(x, lora.a) * lora.scale, lora.b);
  EXPECT_GT(max_abs(together, plain), 0.1);
  EXPECT_GT(max_abs(lora_delta(x, lora, seeds + 100), together), 0.1);
  EXPECT_LT(max_abs(lora_delta(x, lora, torch::Tensor()), plain), bound);
}

TEST(LoraDropout, ForwardDrawsMasksFromTheModelsPerRowSeeds) {
  torch::NoGradGuard no_grad;
  Llama m = random_llama(tiny_config(), 41, torch::kFloat64);
  add_lora(m, lora_config(4, kAllModules, 0.5), 42);
  randomize_b(m, 43, 0.5);
  const torch::Tensor ids = batch_ids({{3, 1, 4, 1, 5, 9}, {2, 7, 1, 8, 2, 8}, {1, 4, 1, 4, 2, 1}});
  const torch::Tensor no_dropout = logits_of(m, ids);
  m.lora_dropout_seeds = torch::tensor({int64_t(5), int64_t(6), int64_t(7)}, torch::kLong);
  const torch::Tensor together = logits_of(m, ids);
  EXPECT_GT(max_abs(together, no_dropout), 1e-3) << "lora_dropout_seeds had no effect on forward()";
  for (int64_t b = 0; b < 3; ++b) {
    Llama alone = m;
    alone.lora_dropout_seeds = m.lora_dropout_seeds.narrow(0, b, 1);
    EXPECT_LT(max_abs(logits_of(alone, ids.narrow(0, b, 1))[0], together[b]),
              2 * testing::network_float64_bound(2, 24, together.abs().max().item<double>())) << "row " << b;
  }
  m.lora_dropout_seeds = torch::Tensor();
  EXPECT_TRUE(testing::tensors_equal(logits_of(m, ids), no_dropout));
}

}  // namespace
}  // namespace iwsi
