// The Llama decoder against real numbers: stories260K (tied and untied) vs reference.json (logits,
// greedy generations, teacher-forced NLL), KV-cache and left-padding consistency, answer_nll, config
// parsing/rejection, llama3 RoPE scaling, and a random Qwen2-style model (biases, GQA, scaled RoPE)
// against a deliberately naive per-head implementation. Timings are printed, never asserted.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/checkpoint.h"
#include "model/llama.h"
#include "model/loss.h"
#include "model/torch_compat.h"
#include "expect_error.h"
#include "float_bounds.h"
#include "test_paths.h"

namespace iwsi {
namespace {

using nlohmann::json;

std::string model_dir(const std::string& name) { return testing::shared_dir() + "/models/" + name; }

const json& reference() {
  static const json ref = json::parse(std::ifstream(model_dir("stories260K") + "/reference.json"));
  return ref;
}

// Loaded once per process; tests only read them. One intra-op thread: ctest runs test processes
// side by side on shared cores, where a second intra-op thread mostly waits for a core.
const Llama& stories(bool tied) {
  torch::set_num_threads(1);
  static const Llama t = load_llama(model_dir("stories260K"));
  static const Llama u = load_llama(model_dir("stories260K-untied"));
  return tied ? t : u;
}

// The same weights in float64: the semantics, with rounding far below float32's.
const Llama& stories64(bool tied) {
  static const Llama t = load_llama(model_dir("stories260K"), torch::kFloat64);
  static const Llama u = load_llama(model_dir("stories260K-untied"), torch::kFloat64);
  return tied ? t : u;
}

// stories260K: 5 layers; its longest sums are the MLP's 172 inputs or the attention over T keys.
double stories_float32_bound(int64_t T, double max_abs_logit) {
  return testing::network_float32_bound(5, std::max<int64_t>(172, T), max_abs_logit);
}

// The reference is an independent float32 implementation: its note says it agrees with llama2.c's
// run.c to 1.5e-5 on logits and 5e-5 on NLL sums, i.e. that is its own rounding, and calls an
// implementation correct to ~1e-4. Our float64 values (exact to ~1e-13) must lie that close.
constexpr double kReferenceAccuracy = 1e-4;

torch::Tensor row(const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).unsqueeze(0); }  // (1, T)
torch::Tensor arange_row(int64_t begin, int64_t end) { return torch::arange(begin, end, torch::kLong).unsqueeze(0); }

std::vector<int64_t> ids_of(const json& j) { return j.get<std::vector<int64_t>>(); }

// Full-sequence logits of one unpadded row: (T, V).
torch::Tensor full_logits(const Llama& m, const std::vector<int64_t>& ids) {
  int64_t T = static_cast<int64_t>(ids.size());
  return forward(m, row(ids), arange_row(0, T), torch::Tensor(), nullptr)[0];
}

double max_abs(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

// Greedy decoding by full recomputation (no cache) of every sequence at every step. All prompts go
// in one right-padded batch: causal attention makes a row's logits independent of the padding after
// it, so each row's last real position gives the same logits as that row alone.
std::vector<std::vector<int64_t>> greedy_full(const Llama& m, std::vector<std::vector<int64_t>> seqs, int64_t n) {
  const int64_t B = static_cast<int64_t>(seqs.size());
  std::vector<std::vector<int64_t>> out(B);
  for (int64_t i = 0; i < n; ++i) {
    int64_t T = 0;
    for (const auto& s : seqs) T = std::max<int64_t>(T, s.size());
    torch::Tensor ids = torch::zeros({B, T}, torch::kLong);  // (B, T)
    for (int64_t b = 0; b < B; ++b) ids[b].narrow(0, 0, seqs[b].size()).copy_(torch::tensor(seqs[b], torch::kLong));
    torch::Tensor logits = forward(m, ids, torch::arange(T, torch::kLong).unsqueeze(0).expand({B, T}), torch::Tensor(), nullptr);
    for (int64_t b = 0; b < B; ++b) {
      int64_t next = logits[b][seqs[b].size() - 1].argmax().item<int64_t>();
      out[b].push_back(next);
      seqs[b].push_back(next);
    }
  }
  return out;
}

std::vector<int64_t> greedy_cached(const Llama& m, const std::vector<int64_t>& prompt, int64_t n) {
  const int64_t P = static_cast<int64_t>(prompt.size());
  KVCache cache = make_kv_cache(m, 1, P + n);
  torch::Tensor logits = forward(m, row(prompt), arange_row(0, P), torch::Tensor(), &cache, /*last_only=*/true);
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t next = logits[0][-1].argmax().item<int64_t>();
    out.push_back(next);
    logits = forward(m, row({next}), arange_row(P + i, P + i + 1), torch::Tensor(), &cache);
  }
  EXPECT_EQ(cache.length, P + n);
  return out;
}

using testing::expect_error;

// ---- the tests' tensor comparator (float_bounds.h) -----------------------------------------------

TEST(TensorComparator, NamesTheFirstDifferingIndexAndCountsTheRest) {
  torch::Tensor want = torch::arange(24, torch::kFloat32).reshape({2, 3, 4});
  EXPECT_TRUE(testing::tensors_equal(want.clone(), want));
  torch::Tensor got = want.clone();
  got[1][2][1] = 100.0f, got[1][2][3] = -1.0f;
  const ::testing::AssertionResult r = testing::tensors_equal(got, want);
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("2 of 24 elements differ; the first at [1, 2, 1]: got 100, want 21"),
            std::string::npos) << r.message();
  EXPECT_FALSE(testing::tensors_equal(got.to(torch::kFloat64), want));  // another dtype
  EXPECT_FALSE(testing::tensors_equal(want.reshape({6, 4}), want));     // another shape
  EXPECT_TRUE(testing::tensors_within(got, want, torch::full({}, 80.0, torch::kFloat64)));
  EXPECT_FALSE(testing::tensors_within(got, want, torch::full({}, 78.0, torch::kFloat64)));
  got[0][0][0] = std::nanf("");
  EXPECT_FALSE(testing::tensors_within(got, want, torch::full({}, 1e9, torch::kFloat64)));  // NaN is never close
}

// ---- config ------------------------------------------------------------------------------------

TEST(LlamaConfig, ReadsStories260K) {
  LlamaConfig c = read_llama_config(model_dir("stories260K") + "/config.json");
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.intermediate_size, 172);
  EXPECT_EQ(c.num_layers, 5);
  EXPECT_EQ(c.num_heads, 8);
  EXPECT_EQ(c.num_kv_heads, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_TRUE(c.rope_scaling.type.empty());
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, std::vector<int32_t>{2});
  EXPECT_FALSE(read_llama_config(model_dir("stories260K-untied") + "/config.json").tie_word_embeddings);
}

TEST(LlamaConfig, RejectsUnsupportedFieldsNamingFileAndField) {
  const std::string dir = testing::scratch_dir("config_reject");
  json base = json::parse(std::ifstream(model_dir("stories260K") + "/config.json"));
  auto check = [&](const std::string& name, const std::function<void(json&)>& edit, const std::string& field) {
    json j = base;
    edit(j);
    std::string path = dir + "/" + name + ".json";
    std::ofstream(path) << j.dump();
    expect_error([&] { read_llama_config(path); }, {path, field});
  };
  check("act", [](json& j) { j["hidden_act"] = "gelu"; }, "hidden_act");
  check("rope", [](json& j) { j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}}; }, "rope_scaling");
  check("qwen3", [](json& j) { j["model_type"] = "qwen3"; }, "model_type");
  check("mistral", [](json& j) { j["model_type"] = "mistral"; }, "model_type");
  check("missing", [](json& j) { j.erase("hidden_size"); }, "hidden_size");
  check("gqa", [](json& j) { j["num_key_value_heads"] = 3; }, "num_key_value_heads");
  check("type", [](json& j) { j["vocab_size"] = "512"; }, "vocab_size");
  check("window", [](json& j) { j["model_type"] = "qwen2"; j["use_sliding_window"] = true; }, "use_sliding_window");
  check("quant", [](json& j) { j["quantization_config"] = {{"bits", 4}}; }, "quantization_config");
  expect_error([&] { read_llama_config(dir + "/absent.json"); }, {dir + "/absent.json"});
}

// The same Llama-3-style RoPE settings as transformers v4 and v5 write them.
json v4_rope_config(json j) {
  j["rope_theta"] = 500000.0;
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                       {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
  j["torch_dtype"] = "bfloat16";
  return j;
}
json v5_rope_config(json j) {
  j.erase("rope_theta"), j.erase("rope_scaling"), j.erase("torch_dtype");
  j["rope_parameters"] = {{"rope_type", "llama3"}, {"rope_theta", 500000.0}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                          {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
  j["dtype"] = "bfloat16";
  j["layer_types"] = json::array();
  for (int i = 0; i < j.at("num_hidden_layers").get<int>(); ++i) j["layer_types"].push_back("full_attention");
  return j;
}

TEST(LlamaConfig, TransformersV4AndV5LayoutsReadTheSame) {
  const json base = json::parse(std::ifstream(model_dir("stories260K") + "/config.json"));
  const LlamaConfig v4 = llama_config_from_json(v4_rope_config(base), "v4");
  const LlamaConfig v5 = llama_config_from_json(v5_rope_config(base), "v5");
  for (const LlamaConfig* c : {&v4, &v5}) {
    EXPECT_DOUBLE_EQ(c->rope_theta, 500000.0);
    EXPECT_EQ(c->rope_scaling.type, "llama3");
    EXPECT_DOUBLE_EQ(c->rope_scaling.factor, 8.0);
    EXPECT_EQ(c->rope_scaling.original_max_position_embeddings, 64);
    EXPECT_EQ(c->checkpoint_dtype, "bfloat16");
  }
  EXPECT_EQ(v4.to_json(), v5.to_json());
  // A v5 file whose rope_parameters says only the type and theta: plain RoPE at that theta.
  json plain = base;
  plain.erase("rope_theta");
  plain["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 1e6}};
  const LlamaConfig p = llama_config_from_json(plain, "plain");
  EXPECT_DOUBLE_EQ(p.rope_theta, 1e6);
  EXPECT_TRUE(p.rope_scaling.type.empty());
  EXPECT_EQ(p.checkpoint_dtype, "float32");  // stories260K's torch_dtype
  plain.erase("torch_dtype");
  EXPECT_EQ(llama_config_from_json(plain, "plain").checkpoint_dtype, "");
}

TEST(LlamaConfig, TransformersV4AndV5LayoutsOfOneModelGiveIdenticalLogits) {
  const json base = json::parse(std::ifstream(model_dir("stories260K") + "/config.json"));
  auto model_with = [&](const std::string& name, const json& config) {
    const std::string dir = testing::scratch_dir(name);
    std::filesystem::copy_file(model_dir("stories260K") + "/model.safetensors", dir + "/model.safetensors",
                               std::filesystem::copy_options::overwrite_existing);
    std::ofstream(dir + "/config.json") << config.dump(2);
    return load_llama(dir);
  };
  const Llama v4 = model_with("layout_v4", v4_rope_config(base)), v5 = model_with("layout_v5", v5_rope_config(base));
  const Llama plain = load_llama(model_dir("stories260K"));
  // 100 positions, past original_max_position_embeddings = 64, so the llama3 scaling takes effect.
  const torch::Tensor ids = torch::arange(3, 103, torch::kInt64).unsqueeze(0);
  const torch::Tensor positions = torch::arange(0, 100, torch::kInt64).unsqueeze(0);
  const torch::Tensor a = forward(v4, ids, positions, torch::Tensor(), nullptr);
  const torch::Tensor b = forward(v5, ids, positions, torch::Tensor(), nullptr);
  EXPECT_TRUE(testing::tensors_equal(a, b));
  EXPECT_TRUE(testing::tensors_equal(v4.rope_inv_freq, v5.rope_inv_freq));
  // And the settings were read: the model differs from stories260K's own theta 10000.
  EXPECT_FALSE(testing::tensors_equal(v5.rope_inv_freq, plain.rope_inv_freq));
  EXPECT_GT((a - forward(plain, ids, positions, torch::Tensor(), nullptr)).abs().max().item<double>(), 1e-3);
}

TEST(LlamaConfig, RefusesLayoutsItCannotReadExactly) {
  const json base = json::parse(std::ifstream(model_dir("stories260K") + "/config.json"));
  auto refused = [&](json j, const std::vector<std::string>& parts) {
    expect_error([&] { llama_config_from_json(j, "cfg.json"); }, parts);
  };
  json j = v5_rope_config(base);
  j["rope_parameters"]["rope_type"] = "yarn";
  refused(j, {"cfg.json", "'yarn'", "rope_parameters"});
  j = v5_rope_config(base);
  j["rope_parameters"]["attention_factor"] = 1.5;
  refused(j, {"cfg.json", "rope_parameters.attention_factor"});
  j = v5_rope_config(base);
  j["rope_parameters"]["partial_rotary_factor"] = 0.5;
  refused(j, {"cfg.json", "rope_parameters.partial_rotary_factor"});
  j = base;
  j["rope_parameters"] = {{"full_attention", {{"rope_type", "default"}, {"rope_theta", 1e6}}},
                          {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 1e4}}}};
  refused(j, {"cfg.json", "rope_parameters.full_attention", "per layer type"});
  j = v5_rope_config(base);
  j["rope_theta"] = 10000.0;  // both layouts, disagreeing
  refused(j, {"cfg.json", "rope_parameters.rope_theta", "500000", "'rope_theta' (10000)"});
  j = v5_rope_config(base);
  j["rope_scaling"] = nullptr;  // null counts as absent
  EXPECT_EQ(llama_config_from_json(j, "cfg.json").rope_scaling.type, "llama3");
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 4.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                       {"original_max_position_embeddings", 64}};
  refused(j, {"cfg.json", "'rope_parameters' disagrees with field 'rope_scaling'"});
  j = v5_rope_config(base);
  j["layer_types"][1] = "sliding_attention";
  refused(j, {"cfg.json", "layer_types[1]", "sliding_attention"});
  j = v5_rope_config(base);
  j["torch_dtype"] = "float32";
  refused(j, {"cfg.json", "'dtype' (bfloat16) disagrees with field 'torch_dtype' (float32)"});
}

TEST(ComputeDtype, AutoIsTheCheckpointDtypeOnGpusAndFloat32OnTheCpu) {
  EXPECT_EQ(auto_compute_dtype("bfloat16", torch::kCPU), torch::kFloat32);
  EXPECT_EQ(auto_compute_dtype("", torch::kCPU), torch::kFloat32);
  EXPECT_EQ(auto_compute_dtype("bfloat16", torch::Device(torch::kCUDA, 0)), torch::kBFloat16);
  EXPECT_EQ(auto_compute_dtype("float16", torch::Device(torch::kCUDA, 1)), torch::kFloat16);
  EXPECT_EQ(auto_compute_dtype("float32", torch::Device(torch::kCUDA, 0)), torch::kFloat32);
  EXPECT_EQ(auto_compute_dtype("", torch::Device(torch::kCUDA, 0)), torch::kFloat32);
  EXPECT_EQ(resolve_compute_dtype("auto", "bfloat16", torch::kCPU), torch::kFloat32);
  EXPECT_EQ(resolve_compute_dtype("bf16", "float32", torch::kCPU), torch::kBFloat16);
  expect_error([] { resolve_compute_dtype("int8", "", torch::kCPU); }, {"option --model.dtype", "int8"});
}

TEST(LlamaConfig, ToJsonRoundTrips) {
  LlamaConfig c = read_llama_config(model_dir("stories260K") + "/config.json");
  c.rope_scaling = {"llama3", 8.0, 1.0, 4.0, 8192};
  c.eos_token_ids = {2, 7};
  for (const std::string type : {"llama", "qwen2"}) {
    c.model_type = type;
    c.attention_bias = type == "qwen2";
    LlamaConfig r = llama_config_from_json(c.to_json(), "to_json");
    EXPECT_EQ(r.to_json(), c.to_json());
    EXPECT_EQ(r.model_type, type);
    EXPECT_EQ(r.rope_scaling.type, "llama3");
    EXPECT_DOUBLE_EQ(r.rope_scaling.factor, 8.0);
    EXPECT_EQ(r.eos_token_ids, c.eos_token_ids);
    EXPECT_EQ(r.has_o_bias(), false);
  }
}

TEST(Rope, Llama3ScalingMatchesTheFormula) {
  LlamaConfig c;
  c.head_dim = 128;
  c.rope_theta = 500000.0;
  c.rope_scaling = {"llama3", 8.0, 1.0, 4.0, 8192};
  torch::Tensor got = rope_inverse_frequencies(c).to(torch::kFloat64);
  int n_low = 0, n_mid = 0, n_high = 0;
  for (int64_t i = 0; i < 64; ++i) {
    double f = 1.0 / std::pow(500000.0, 2.0 * i / 128.0), wavelen = 2 * 3.14159265358979323846 / f, want;
    if (wavelen < 8192.0 / 4.0) want = f, ++n_high;            // short wavelengths: unchanged
    else if (wavelen > 8192.0 / 1.0) want = f / 8.0, ++n_low;  // long: slowed by factor
    else {                                                     // between: interpolated
      double s = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
      want = (1 - s) * f / 8.0 + s * f, ++n_mid;
    }
    // float32 as HF computes it: powf (< 2u), a division, the wavelength and the interpolation, whose
    // weights amplify relative errors by at most 7 here (18u at worst); 34u leaves room.
    EXPECT_NEAR(got[i].item<double>() / want, 1.0, 34 * testing::kFloat32Unit) << "i=" << i;
  }
  EXPECT_GT(n_low, 0);
  EXPECT_GT(n_mid, 0);
  EXPECT_GT(n_high, 0);
}

// ---- stories260K vs reference.json ----------------------------------------------------------------

TEST(Stories260K, LastPromptPositionLogitsMatchReference) {
  torch::NoGradGuard no_grad;
  // The untied folder is the same model with lm_head.weight = a copy of the embedding (its README),
  // so the same reference applies to both.
  EXPECT_TRUE(testing::tensors_equal(stories(false).lm_head.weight, stories(true).embed));
  EXPECT_TRUE(testing::tensors_equal(stories(false).embed, stories(true).embed));
  for (bool tied : {true, false}) {
    double worst = 0, worst32 = 0;
    for (const auto& c : reference().at("cases")) {
      const std::vector<int64_t> prompt = ids_of(c.at("prompt_ids"));
      const torch::Tensor last = full_logits(stories64(tied), prompt)[-1];  // (V) float64
      auto first10 = c.at("last_prompt_position_logits_first10").get<std::vector<double>>();
      for (size_t i = 0; i < first10.size(); ++i) worst = std::max(worst, std::abs(last[i].item<double>() - first10[i]));
      for (const auto& top : c.at("last_prompt_position_top5"))
        worst = std::max(worst, std::abs(last[top[0].get<int64_t>()].item<double>() - top[1].get<double>()));
      // float32 against float64: rounding alone
      const torch::Tensor last32 = full_logits(stories(tied), prompt)[-1];
      const double bound = stories_float32_bound(static_cast<int64_t>(prompt.size()), last.abs().max().item<double>());
      worst32 = std::max(worst32, max_abs(last32.to(torch::kFloat64), last) / bound);
      EXPECT_EQ(last32.argmax().item<int64_t>(), c.at("last_prompt_position_argmax").get<int64_t>());
    }
    std::printf("[ info     ] %s: max |float64 logit - reference| = %.3g; float32 - float64 at %.3g of its bound\n",
                tied ? "tied" : "untied", worst, worst32);
    EXPECT_LT(worst, kReferenceAccuracy);
    EXPECT_LE(worst32, 1.0);
  }
}

// Our float64 NLLs against the reference; our float32 NLLs against float64: each prediction's NLL is
// logsumexp(x) - x_target, within 2 d of the float64 one when the logits are within d, so sums of n
// predictions within 2 n d and means within 2 d (d measured, and itself within the float32 bound).
TEST(Stories260K, TeacherForcedNllMatchesReference) {
  torch::NoGradGuard no_grad;
  double worst = 0;
  for (const auto& c : reference().at("cases")) {
    std::vector<int64_t> prompt = ids_of(c.at("prompt_ids")), seq = prompt, gen = ids_of(c.at("generated_ids"));
    seq.insert(seq.end(), gen.begin(), gen.end());
    const int64_t S = static_cast<int64_t>(seq.size()), P = static_cast<int64_t>(prompt.size());
    const torch::Tensor targets = torch::tensor(seq, torch::kLong).narrow(0, 1, S - 1).unsqueeze(1);
    auto nll_of = [&](const torch::Tensor& logits) {  // (S, V) -> (S - 1)
      return -torch::log_softmax(logits.to(torch::kFloat64), -1).narrow(0, 0, S - 1).gather(1, targets).squeeze(1);
    };
    const torch::Tensor logits64 = full_logits(stories64(true), seq), logits32 = full_logits(stories(true), seq);
    const double d = max_abs(logits32.to(torch::kFloat64), logits64);
    EXPECT_LE(d, stories_float32_bound(S, logits64.abs().max().item<double>()));
    const torch::Tensor nll = nll_of(logits64), nll32 = nll_of(logits32);
    const json& r = c.at("teacher_forced_nll");
    auto check = [&](const torch::Tensor& part, bool mean, const json& want) {
      if (want.is_null()) return;
      const double got = (mean ? part.mean() : part.sum()).item<double>();
      worst = std::max(worst, std::abs(got - want.get<double>()));
      EXPECT_NEAR(got, want.get<double>(), kReferenceAccuracy) << c.at("name");
    };
    auto check32 = [&](const torch::Tensor& part64, const torch::Tensor& part32) {
      const int64_t n = part64.size(0);
      EXPECT_NEAR(part32.sum().item<double>(), part64.sum().item<double>(), 2 * n * d) << c.at("name");
      EXPECT_NEAR(part32.mean().item<double>(), part64.mean().item<double>(), 2 * d) << c.at("name");
    };
    check(nll, false, r.at("sum_nll_all"));
    check(nll, true, r.at("mean_nll_all"));
    check(nll.narrow(0, P - 1, S - P), false, r.at("sum_nll_generated"));
    check(nll.narrow(0, P - 1, S - P), true, r.at("mean_nll_generated"));
    if (P > 1) check(nll.narrow(0, 0, P - 1), true, r.at("mean_nll_prompt"));
    check32(nll, nll32);
    check32(nll.narrow(0, P - 1, S - P), nll32.narrow(0, P - 1, S - P));
  }
  std::printf("[ info     ] max |float64 NLL - reference| = %.3g\n", worst);
}

TEST(Stories260K, GreedyGenerationReproducesReference) {
  torch::NoGradGuard no_grad;
  const json& cases = reference().at("cases");
  std::vector<std::vector<int64_t>> prompts;
  for (const auto& c : cases) prompts.push_back(ids_of(c.at("prompt_ids")));
  for (bool tied : {true, false}) {
    std::vector<std::vector<int64_t>> full = greedy_full(stories(tied), prompts, 96);
    for (size_t i = 0; i < cases.size(); ++i) {
      std::vector<int64_t> want = ids_of(cases[i].at("generated_ids"));
      full[i].resize(want.size());
      EXPECT_EQ(full[i], want) << cases[i].at("name") << " full recompute, tied=" << tied;
      EXPECT_EQ(greedy_cached(stories(tied), prompts[i], want.size()), want) << cases[i].at("name") << " cached, tied=" << tied;
    }
  }
}

// Max |logit difference| between cached decoding (token by token, and in blocks of 7) and one full
// forward, over every position of every reference sequence.
double kv_cache_vs_full(const Llama& m) {
  double worst = 0;
  for (const auto& c : reference().at("cases")) {
    std::vector<int64_t> seq = ids_of(c.at("prompt_ids")), gen = ids_of(c.at("generated_ids"));
    seq.insert(seq.end(), gen.begin(), gen.end());
    const int64_t S = static_cast<int64_t>(seq.size());
    torch::Tensor full = full_logits(m, seq);  // (S, V)
    for (int64_t block : {1, 7}) {
      KVCache cache = make_kv_cache(m, 1, S);
      for (int64_t t = 0; t < S; t += block) {
        int64_t n = std::min(block, S - t);
        std::vector<int64_t> piece(seq.begin() + t, seq.begin() + t + n);
        torch::Tensor got = forward(m, row(piece), arange_row(t, t + n), torch::Tensor(), &cache)[0];  // (n, V)
        worst = std::max(worst, max_abs(got, full.narrow(0, t, n)));
      }
    }
  }
  return worst;
}

// All cases left-padded into one batch with key_valid: max |logit difference| to the unpadded single
// rows; and batched greedy decoding with the cache must reproduce every reference generation.
double left_padded_vs_single_rows(const Llama& m) {
  const json& cases = reference().at("cases");
  const int64_t B = static_cast<int64_t>(cases.size()), N = 96;
  int64_t Pmax = 0;
  for (const auto& c : cases) Pmax = std::max<int64_t>(Pmax, c.at("prompt_ids").size());
  torch::Tensor ids = torch::zeros({B, Pmax}, torch::kLong), pos = torch::zeros({B, Pmax}, torch::kLong);
  torch::Tensor valid = torch::ones({B, Pmax + N}, torch::kBool);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> p = ids_of(cases[b].at("prompt_ids"));
    int64_t pad = Pmax - static_cast<int64_t>(p.size());
    valid[b].narrow(0, 0, pad).fill_(false);
    ids[b].narrow(0, pad, p.size()).copy_(torch::tensor(p, torch::kLong));
    pos[b].narrow(0, pad, p.size()).copy_(torch::arange(static_cast<int64_t>(p.size()), torch::kLong));
  }
  KVCache cache = make_kv_cache(m, B, Pmax + N);
  torch::Tensor logits = forward(m, ids, pos, valid.narrow(1, 0, Pmax), &cache);  // (B, Pmax, V)
  double worst = 0;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> p = ids_of(cases[b].at("prompt_ids"));
    int64_t P = static_cast<int64_t>(p.size());
    worst = std::max(worst, max_abs(logits[b].narrow(0, Pmax - P, P), full_logits(m, p)));
  }
  std::vector<std::vector<int64_t>> generated(B);
  torch::Tensor next = logits.select(1, Pmax - 1).argmax(-1);  // (B)
  torch::Tensor step_pos = pos.select(1, Pmax - 1) + 1;        // (B)
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t b = 0; b < B; ++b) generated[b].push_back(next[b].item<int64_t>());
    logits = forward(m, next.unsqueeze(1), step_pos.unsqueeze(1), valid.narrow(1, 0, Pmax + i + 1), &cache);
    next = logits.select(1, 0).argmax(-1);
    step_pos = step_pos + 1;
  }
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> want = ids_of(cases[b].at("generated_ids"));
    generated[b].resize(want.size());
    EXPECT_EQ(generated[b], want) << cases[b].at("name");
  }
  return worst;
}

// Bit for bit, in float32 too: float32 CPU inference runs through the batch-invariant loops
// (invariant_linear.h, cpu_attention.h, cpu_elementwise.h), where a token's numbers depend on nothing
// but its own prefix. (With libtorch's BLAS matmuls the float32 differences were ~2.5e-5 here, from
// rounding that depends on a call's row count.) float64 takes the torch ops and checks the cache and
// padding logic on its own, far below float32 rounding.
TEST(Stories260K, KVCacheMatchesFullRecompute) {
  torch::NoGradGuard no_grad;
  double f32 = kv_cache_vs_full(stories(true));
  double f64 = kv_cache_vs_full(load_llama(model_dir("stories260K"), torch::kFloat64));
  std::printf("[ info     ] max |cached - full| logits: float32 %.3g, float64 %.3g\n", f32, f64);
  // float64: two orders of summation, within twice the network's float64 bound (sequences < 512
  // tokens, logits of this model below 100).
  EXPECT_LT(f64, 2 * testing::network_float64_bound(5, 512, 100));
  EXPECT_EQ(f32, 0.0);
}

TEST(Stories260K, LeftPaddedBatchMatchesSingleRows) {
  torch::NoGradGuard no_grad;
  double f32 = left_padded_vs_single_rows(stories(true));
  double f64 = left_padded_vs_single_rows(load_llama(model_dir("stories260K"), torch::kFloat64));
  std::printf("[ info     ] max |left-padded - single row| logits: float32 %.3g, float64 %.3g\n", f32, f64);
  EXPECT_LT(f64, 2 * testing::network_float64_bound(5, 512, 100));
  EXPECT_EQ(f32, 0.0);
}

TEST(Stories260K, BFloat16ComputeIsClose) {
  torch::NoGradGuard no_grad;
  Llama bf = load_llama(model_dir("stories260K"), torch::kBFloat16);
  EXPECT_EQ(bf.embed.scalar_type(), torch::kBFloat16);
  std::vector<int64_t> prompt = ids_of(reference().at("cases")[1].at("prompt_ids"));
  torch::Tensor got = full_logits(bf, prompt);
  EXPECT_EQ(got.scalar_type(), torch::kFloat32);
  const torch::Tensor want = full_logits(stories(true), prompt);
  double err = max_abs(got, want);
  // bf16 matmuls accumulate in float32 and round their outputs to bf16 (u = 2^-9): a layer rounds ~8
  // intermediate results (norms, q k v o, gate up down), so the network bound with 8 roundings of
  // 2^-9 per layer, at the float32 logits' scale.
  const double bound = 8 * (5 + 1) * std::ldexp(1.0, -9) * want.abs().max().item<double>();
  std::printf("[ info     ] bf16 vs f32 max |logit diff| = %.3g (bound %.3g)\n", err, bound);
  EXPECT_LT(err, bound);
}

// ---- answer_nll ---------------------------------------------------------------------------------

TEST(AnswerNll, MatchesReferenceAndPerSampleComputation) {
  std::vector<std::vector<int32_t>> prompts, answers;
  std::vector<double> want_gen, want_all;
  for (const auto& c : reference().at("cases")) {
    prompts.push_back(c.at("prompt_ids").get<std::vector<int32_t>>());
    answers.push_back(c.at("generated_ids").get<std::vector<int32_t>>());
    want_gen.push_back(c.at("teacher_forced_nll").at("mean_nll_generated").get<double>());
    want_all.push_back(c.at("teacher_forced_nll").at("mean_nll_all").get<double>());
  }
  // A short answer after a long prompt, to exercise very different lengths in one block.
  prompts.push_back(prompts[4]);
  answers.push_back({answers[4][0], answers[4][1]});
  const Llama& m = stories(true);
  std::vector<double> batch = answer_nll(m, prompts, answers);
  std::vector<double> tiny_blocks = answer_nll(m, prompts, answers, false, /*max_batch_tokens=*/64);
  // The semantics in float64 against the reference; float32 against float64 within 2 d, d the float32
  // bound on the logits (see TeacherForcedNllMatchesReference; logits of this model below 100).
  std::vector<double> gen64 = answer_nll(stories64(true), prompts, answers);
  std::vector<double> full64 = answer_nll(stories64(true), prompts, answers, /*scope_full=*/true);
  const double d = stories_float32_bound(512, 100);
  ASSERT_EQ(batch.size(), prompts.size());
  double worst = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    // float32 inference is batch-invariant and each sample's sum runs in one order: the same bits
    double single = answer_nll(m, {prompts[i]}, {answers[i]})[0];
    EXPECT_EQ(batch[i], single) << i;
    EXPECT_EQ(tiny_blocks[i], single) << i;
    EXPECT_NEAR(batch[i], gen64[i], 2 * d) << i;
    if (i < want_gen.size()) {
      EXPECT_NEAR(gen64[i], want_gen[i], kReferenceAccuracy) << i;
      EXPECT_NEAR(full64[i], want_all[i], kReferenceAccuracy) << i;
      worst = std::max({worst, std::abs(gen64[i] - want_gen[i]), std::abs(full64[i] - want_all[i])});
    }
  }
  std::printf("[ info     ] answer_nll max |float64 mean NLL - reference| = %.3g\n", worst);
  EXPECT_EQ(answer_nll(m, {}, {}).size(), 0u);
}

TEST(AnswerNll, RejectsEmptyAnswersAndBadIds) {
  const Llama& m = stories(true);
  expect_error([&] { answer_nll(m, {{1, 2}}, {{}}); }, {"sample 0", "empty answer"});
  expect_error([&] { answer_nll(m, {{1}, {}}, {{5}, {5}}); }, {"sample 1", "empty prompt"});
  expect_error([&] { answer_nll(m, {{1}}, {{512}}); }, {"sample 0", "512"});
  EXPECT_EQ(answer_nll(m, {{}}, {{1, 5}}, /*scope_full=*/true).size(), 1u);
}

// ---- a Qwen2-style random model vs a naive implementation ----------------------------------------

// Per-head loops, explicit rotate_half, -inf causal mask, K/V head index h / G: written to be obviously
// HF-like rather than fast. ids: one row. Returns (T, V).
torch::Tensor naive_logits(const Llama& m, const std::vector<int64_t>& ids) {
  const LlamaConfig& c = m.config;
  const int64_t T = ids.size(), D = c.head_dim, G = c.num_heads / c.num_kv_heads;
  auto norm = [&](const torch::Tensor& x, const torch::Tensor& w) {
    return w * (x / torch::sqrt(x.pow(2).mean(-1, true) + c.rms_norm_eps));
  };
  auto lin = [](const torch::Tensor& x, const Linear& l) {
    torch::Tensor y = torch::matmul(x, l.weight.t());
    return l.bias.defined() ? y + l.bias : y;
  };
  const torch::ScalarType dt = m.embed.scalar_type();
  torch::Tensor angles = torch::arange(T, dt).unsqueeze(1) * m.rope_inv_freq.to(dt).unsqueeze(0);  // (T, D/2)
  torch::Tensor cos = torch::cat({angles.cos(), angles.cos()}, 1), sin = torch::cat({angles.sin(), angles.sin()}, 1);
  auto rope = [&](const torch::Tensor& x) {  // (T, D)
    torch::Tensor rot = torch::cat({-x.narrow(1, D / 2, D / 2), x.narrow(1, 0, D / 2)}, 1);
    return x * cos + rot * sin;
  };
  torch::Tensor future = torch::ones({T, T}, torch::kBool).triu(1);
  torch::Tensor h = m.embed.index_select(0, torch::tensor(ids, torch::kLong));  // (T, C)
  for (const LlamaLayer& L : m.layers) {
    torch::Tensor x = norm(h, L.input_norm), q = lin(x, L.q), k = lin(x, L.k), v = lin(x, L.v);
    std::vector<torch::Tensor> heads;
    for (int64_t hh = 0; hh < c.num_heads; ++hh) {
      int64_t kv = hh / G;
      torch::Tensor qh = rope(q.narrow(1, hh * D, D)), kh = rope(k.narrow(1, kv * D, D)), vh = v.narrow(1, kv * D, D);
      torch::Tensor s = torch::matmul(qh, kh.t()) / std::sqrt(double(D));
      heads.push_back(torch::matmul(torch::softmax(s.masked_fill(future, -INFINITY), -1), vh));
    }
    h = h + lin(torch::cat(heads, 1), L.o);
    x = norm(h, L.post_attention_norm);
    h = h + lin(torch::silu(lin(x, L.gate)) * lin(x, L.up), L.down);
  }
  return lin(norm(h, m.final_norm), m.lm_head);
}

LlamaConfig tiny_qwen2() {
  LlamaConfig c;
  c.model_type = "qwen2";
  c.vocab_size = 97, c.hidden_size = 48, c.intermediate_size = 80, c.num_layers = 3;
  c.num_heads = 6, c.num_kv_heads = 2, c.head_dim = 16, c.max_position_embeddings = 4096;
  c.rms_norm_eps = 1e-6, c.rope_theta = 1e6;
  c.rope_scaling = {"llama3", 4.0, 1.0, 4.0, 64};  // short original context so all three bands occur
  c.attention_bias = true;
  return c;
}

// The model against the naive implementation of the same math: in float64 (the logic, to float64
// rounding) and in float32 (our kernels) against float64, within the network bounds of a 3-layer
// model whose longest sums have 80 terms (the MLP).
void expect_matches_naive(const LlamaConfig& c, uint64_t seed, const std::vector<int64_t>& ids, const char* what) {
  const Llama m64 = random_llama(c, seed, torch::kFloat64), m32 = random_llama(c, seed);
  const torch::Tensor want = naive_logits(m64, ids);
  const double scale = want.abs().max().item<double>();
  const double err64 = max_abs(full_logits(m64, ids), want), err32 = max_abs(full_logits(m32, ids).to(torch::kFloat64), want);
  std::printf("[ info     ] %s: max |logit - naive|: float64 %.3g, float32 %.3g (logit scale %.3g)\n", what, err64,
              err32, scale);
  EXPECT_LT(err64, 2 * testing::network_float64_bound(c.num_layers, 80, scale)) << what;
  EXPECT_LT(err32, testing::network_float32_bound(c.num_layers, 80, scale)) << what;
}

TEST(RandomModel, Qwen2BiasGqaAndScaledRopeMatchNaiveImplementation) {
  torch::NoGradGuard no_grad;
  for (bool tied : {false, true}) {
    LlamaConfig c = tiny_qwen2();
    c.tie_word_embeddings = tied;
    Llama m = random_llama(c, 7);
    ASSERT_TRUE(m.layers[0].q.bias.defined());
    ASSERT_FALSE(m.layers[0].o.bias.defined());
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < 40; ++i) ids.push_back((i * 37 + 11) % c.vocab_size);
    expect_matches_naive(c, 7, ids, tied ? "qwen2 random, tied" : "qwen2 random");
  }
  // Llama with attention_bias has an o_proj bias too; and a plain multi-head (G = 1) layout.
  LlamaConfig c = tiny_qwen2();
  c.model_type = "llama", c.num_kv_heads = 6, c.mlp_bias = true, c.rope_scaling = {};
  ASSERT_TRUE(random_llama(c, 8).layers[0].o.bias.defined());
  expect_matches_naive(c, 8, {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}, "llama with biases, multi-head");
}

TEST(RandomModel, ForwardSupportsAutograd) {
  Llama m = random_llama(tiny_qwen2(), 9);
  // A LoRA-like trainable delta on one projection: gradients must flow through forward().
  torch::Tensor delta = torch::zeros_like(m.layers[1].v.weight).requires_grad_(true);
  m.layers[1].v.weight = m.layers[1].v.weight + delta;
  std::vector<int64_t> ids = {5, 8, 13, 21, 34, 55, 89};
  torch::Tensor logits = forward(m, row(ids), arange_row(0, 7), torch::Tensor(), nullptr);  // (1, 7, V)
  torch::Tensor loss = torch::nll_loss(torch::log_softmax(logits[0].narrow(0, 0, 6), -1), torch::tensor(ids).narrow(0, 1, 6));
  loss.backward();
  ASSERT_TRUE(delta.grad().defined());
  EXPECT_TRUE(torch::isfinite(delta.grad()).all().item<bool>());
  EXPECT_GT(delta.grad().abs().sum().item<double>(), 0.0);
}

TEST(Forward, RejectsBadShapesAndAFullCache) {
  torch::NoGradGuard no_grad;
  const Llama& m = stories(true);
  KVCache cache = make_kv_cache(m, 1, 4);
  expect_error([&] { forward(m, row({1, 2}), arange_row(0, 3), torch::Tensor(), nullptr); }, {"positions"});
  expect_error([&] { forward(m, row({1, 2}), arange_row(0, 2), torch::ones({1, 3}, torch::kBool), nullptr); }, {"key_valid"});
  forward(m, row({1, 2, 3}), arange_row(0, 3), torch::Tensor(), &cache);
  expect_error([&] { forward(m, row({4, 5}), arange_row(3, 5), torch::Tensor(), &cache); }, {"KV cache full"});
}

// ---- throughput (printed only) --------------------------------------------------------------------

TEST(Benchmark, DecodeTokensPerSecondWithKVCache) {
  torch::NoGradGuard no_grad;
  const Llama& m = stories(true);
  std::vector<int64_t> prompt = ids_of(reference().at("cases")[1].at("prompt_ids"));
  const int64_t P = static_cast<int64_t>(prompt.size()), steps = 128;
  for (int64_t B : {1, 64}) {
    torch::Tensor ids = row(prompt).expand({B, P}).contiguous();
    KVCache cache = make_kv_cache(m, B, P + steps);
    torch::Tensor next = forward(m, ids, arange_row(0, P).expand({B, P}), torch::Tensor(), &cache, true).select(1, 0).argmax(-1);
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i) {
      torch::Tensor pos = torch::full({B, 1}, P + i, torch::kLong);
      next = forward(m, next.unsqueeze(1), pos, torch::Tensor(), &cache).select(1, 0).argmax(-1);
    }
    device_synchronize(m.embed.device());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ info     ] stories260K decode %ld steps, batch %ld, %d thread(s): %.0f tokens/s (%.2f ms/step)\n",
                static_cast<long>(steps), static_cast<long>(B), torch::get_num_threads(), B * steps / s, 1e3 * s / steps);
  }
}

}  // namespace
}  // namespace iwsi
