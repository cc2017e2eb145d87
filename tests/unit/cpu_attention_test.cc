// The CPU attention kernel (model/cpu_attention.h) against the torch ops it replaces: random inputs
// with GQA (H=8 over Hkv=4, H=4 over Hkv=4), left padding, cache lengths on and off the kernel's
// block of 8, odd head sizes, a block of queries (causal limit), fully masked and NaN queries, thread
// counts; its invariance to blocking and padding, bit for bit; then forward()'s decode steps through
// the kernel vs the torch path, and stories260K's greedy reference generations through the engine.
// Timings are not asserted anywhere.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "float_bounds.h"
#include "model/checkpoint.h"
#include "model/cpu_attention.h"
#include "model/cpu_threads.h"
#include "model/llama.h"
#include "sample/engine.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {
namespace {

// The torch ops of decoder_layers() for the same inputs: the G query heads of a KV head as G*T rows
// of one matmul, the additive lowest-float mask (causal limit and key_valid), softmax, matmul with V.
torch::Tensor torch_attention(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                              const torch::Tensor& key_valid, int64_t past) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), Hkv = keys.size(1), Tk = keys.size(2);
  const int64_t G = H / Hkv;
  torch::Tensor scores = torch::matmul(q.reshape({B, Hkv, G * T, D}), keys.transpose(-1, -2)).view({B, Hkv, G, T, Tk});
  torch::Tensor allowed = torch::arange(Tk).unsqueeze(0) <= torch::arange(past, past + T).unsqueeze(1);  // (T, Tk)
  allowed = key_valid.defined() ? allowed.unsqueeze(0).logical_and(key_valid.unsqueeze(1)) : allowed.unsqueeze(0);
  torch::Tensor mask = torch::zeros(allowed.sizes()).masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest());
  torch::Tensor probs = torch::softmax(scores + mask.view({mask.size(0), 1, 1, T, Tk}), -1).view({B, Hkv, G * T, Tk});
  return torch::matmul(probs, values).view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
}

// How far a float32 attention output may be from the exact one, element-wise (B, T, H*D), from the
// float64 computation of the same inputs: the scores carry at most E = gamma(D) max_j sum_d |q_d k_jd|
// each, which moves a softmax weight by a relative 2E at most; the exp (the kernel's polynomial within
// 32u, libtorch's within 2u) and the normalizing sum (gamma(Tk)) add 34u + gamma(Tk); the weighted sum
// of the values adds gamma(Tk) of sum_j p_j |v_j|. Two float32 implementations: twice that apart.
torch::Tensor attention_error_bound(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                                    const torch::Tensor& key_valid, int64_t past) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), Hkv = keys.size(1), Tk = keys.size(2);
  const int64_t G = H / Hkv;
  const torch::Tensor q64 = q.to(torch::kFloat64).reshape({B, Hkv, G * T, D}), k64 = keys.to(torch::kFloat64);
  const torch::Tensor E = testing::gamma_float32(D) * torch::matmul(q64.abs(), k64.abs().transpose(-1, -2)).amax(-1, true);
  torch::Tensor scores = torch::matmul(q64, k64.transpose(-1, -2)).view({B, Hkv, G, T, Tk});
  torch::Tensor allowed = torch::arange(Tk).unsqueeze(0) <= torch::arange(past, past + T).unsqueeze(1);  // (T, Tk)
  allowed = key_valid.defined() ? allowed.unsqueeze(0).logical_and(key_valid.unsqueeze(1)) : allowed.unsqueeze(0);
  torch::Tensor mask = torch::zeros(allowed.sizes(), torch::kFloat64).masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest());
  const torch::Tensor p = torch::softmax(scores + mask.view({mask.size(0), 1, 1, T, Tk}), -1).view({B, Hkv, G * T, Tk});
  const torch::Tensor weighted = torch::matmul(p, values.to(torch::kFloat64).abs());  // (B, Hkv, G*T, D)
  const double per_weight = 34 * testing::kFloat32Unit + 2 * testing::gamma_float32(Tk);
  const torch::Tensor bound = (2 * E + per_weight) * weighted;
  return bound.view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
}

struct Case {
  int64_t B, H, Hkv, D, T, Tk;
};

// Inputs laid out as in decoder_layers(): q a transposed (B, T, H, D) projection scaled by 1/sqrt(D)
// as RoPE's query table does, keys/values the first Tk positions of one layer of a (L, B, Hkv, Tmax, D)
// cache, row b left-padded by (b * 3) % Tk keys (row 0 unpadded).
struct Inputs {
  torch::Tensor q, keys, values, key_valid;
  int64_t past;
};

Inputs random_inputs(const Case& c, uint64_t seed) {
  torch::manual_seed(seed);
  Inputs in;
  in.q = (torch::randn({c.B, c.T, c.H, c.D}) / std::sqrt(static_cast<double>(c.D))).transpose(1, 2);  // (B, H, T, D)
  const int64_t Tmax = c.Tk + 5;
  in.keys = torch::randn({2, c.B, c.Hkv, Tmax, c.D}).select(0, 1).narrow(2, 0, c.Tk);  // (B, Hkv, Tk, D)
  in.values = torch::randn({2, c.B, c.Hkv, Tmax, c.D}).select(0, 1).narrow(2, 0, c.Tk);
  in.key_valid = torch::ones({c.B, Tmax}, torch::kBool).narrow(1, 0, c.Tk);  // (B, Tk), a view like the engine's
  for (int64_t b = 0; b < c.B; ++b) in.key_valid[b].narrow(0, 0, std::min((b * 3) % c.Tk, c.Tk - c.T)).fill_(false);
  in.past = c.Tk - c.T;
  return in;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

void expect_kernel_matches_torch(const Case& c) {
  for (uint64_t seed : {1, 2}) {
    const Inputs in = random_inputs(c, seed);
    for (const torch::Tensor& valid : {in.key_valid, torch::Tensor()}) {
      const torch::Tensor got = cpu_attention(in.q, in.keys, in.values, valid, in.past);
      const torch::Tensor want = torch_attention(in.q, in.keys, in.values, valid, in.past);
      ASSERT_EQ(got.sizes(), want.sizes());
      const torch::Tensor bound = 2 * attention_error_bound(in.q, in.keys, in.values, valid, in.past);
      EXPECT_TRUE(testing::within(got, want, bound))
          << testing::worst_ratio(got, want, bound) << " x the bound; B " << c.B << " H " << c.H << " Hkv " << c.Hkv
          << " D " << c.D << " T " << c.T << " Tk " << c.Tk << " padded " << valid.defined();
    }
  }
}

TEST(CpuAttention, MatchesTorchPathWithGqaEightOverFourHeads) {
  for (int64_t Tk : {1, 7, 8, 33, 160}) expect_kernel_matches_torch({5, 8, 4, 8, 1, Tk});  // stories260K's heads
}

TEST(CpuAttention, MatchesTorchPathWithFourOverFourHeads) {
  for (int64_t Tk : {1, 9, 64, 159}) expect_kernel_matches_torch({4, 4, 4, 32, 1, Tk});  // the demo model's heads
}

TEST(CpuAttention, MatchesTorchPathWithHeadSizesThatAreNotMultiplesOfEight) {
  for (int64_t D : {4, 12, 20}) expect_kernel_matches_torch({3, 6, 2, D, 1, 21});
}

TEST(CpuAttention, MatchesTorchPathForABlockOfQueriesUnderTheCausalLimit) {
  for (int64_t Tk : {3, 17, 40}) expect_kernel_matches_torch({3, 8, 4, 16, 3, Tk});
}

TEST(CpuAttention, AQueryWithNoVisibleKeyAveragesAllValuesLikeTheTorchPath) {
  Inputs in = random_inputs({2, 4, 2, 8, 1, 11}, 3);
  in.key_valid[1].fill_(false);  // row 1: a padding row, every key masked
  const torch::Tensor got = cpu_attention(in.q, in.keys, in.values, in.key_valid, in.past);   // (B, 1, H*D)
  const torch::Tensor want = torch_attention(in.q, in.keys, in.values, in.key_valid, in.past);
  EXPECT_TRUE(testing::within(got, want, 2 * attention_error_bound(in.q, in.keys, in.values, in.key_valid, in.past)));
  // Uniform weights: each query head of KV head g gets the mean of g's values over all 11 keys (each
  // side within 34u + 2 gamma(11) of the mean magnitude, as above).
  const torch::Tensor mean = in.values[1].mean(1);  // (Hkv, D)
  const double per_weight = 34 * testing::kFloat32Unit + 2 * testing::gamma_float32(11);
  for (int64_t h = 0; h < 4; ++h) {
    const torch::Tensor bound = 2 * per_weight * in.values[1][h / 2].abs().mean(0).to(torch::kFloat64);
    EXPECT_TRUE(testing::within(got[1][0].narrow(0, h * 8, 8), mean[h / 2], bound)) << "head " << h;
  }
  EXPECT_TRUE(torch::isfinite(got).all().item<bool>());
}

TEST(CpuAttention, ANanInOneRowGivesThatRowNanLikeTheTorchPath) {
  Inputs in = random_inputs({3, 4, 2, 8, 1, 10}, 6);
  in.q[1][2][0][3] = std::numeric_limits<float>::quiet_NaN();  // row 1, query head 2 (KV head 1)
  const torch::Tensor got = cpu_attention(in.q, in.keys, in.values, in.key_valid, in.past);  // (B, 1, H*D)
  const torch::Tensor want = torch_attention(in.q, in.keys, in.values, in.key_valid, in.past);
  EXPECT_TRUE(testing::tensors_equal(torch::isnan(got), torch::isnan(want)));
  EXPECT_TRUE(torch::isnan(got[1][0].narrow(0, 2 * 8, 8)).all().item<bool>());
  EXPECT_EQ(torch::isnan(got).sum().item<int64_t>(), 8);  // only that head of that row
}

TEST(CpuAttention, ResultsDoNotDependOnTheThreadCount) {
  const Inputs in = random_inputs({16, 8, 4, 8, 1, 50}, 7);
  const int threads = kernel_threads();
  set_kernel_threads(1);
  const torch::Tensor one = cpu_attention(in.q, in.keys, in.values, in.key_valid, in.past);
  set_kernel_threads(3);
  const torch::Tensor three = cpu_attention(in.q, in.keys, in.values, in.key_valid, in.past);
  set_kernel_threads(threads);
  EXPECT_TRUE(testing::tensors_equal(one, three));  // bit for bit: each (row, KV head) is one task
}

TEST(CpuAttention, AppliesToFloat32CpuInferenceOnly) {
  const Inputs in = random_inputs({2, 4, 2, 8, 1, 6}, 4);
  const Inputs block = random_inputs({2, 4, 2, 8, 2, 6}, 4);
  {
    torch::AutoGradMode grad(true);  // training: autograd must see libtorch's ops
    EXPECT_FALSE(cpu_attention_applies(in.q, in.keys, in.values));
  }
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(cpu_attention_applies(in.q, in.keys, in.values));
  EXPECT_TRUE(cpu_attention_applies(block.q, block.keys, block.values));  // T = 2: a prefill chunk
  EXPECT_FALSE(cpu_attention_applies(in.q.to(torch::kFloat64), in.keys.to(torch::kFloat64),
                                     in.values.to(torch::kFloat64)));
  EXPECT_FALSE(cpu_attention_applies(in.q.contiguous().transpose(2, 3), in.keys, in.values));  // D not unit stride
}

// The invariance the kernel exists for, bit for bit: a block of queries gives what the same queries
// give one at a time (decode steps over the growing cache), and left padding a row changes nothing.
TEST(CpuAttention, ABlockOfQueriesEqualsOneQueryAtATimeBitForBit) {
  const Inputs in = random_inputs({3, 8, 4, 16, 9, 41}, 8);  // 9 new queries after 32 cached keys
  const torch::Tensor block = cpu_attention(in.q, in.keys, in.values, in.key_valid, in.past);  // (B, 9, H*D)
  for (int64_t t = 0; t < 9; ++t) {
    const int64_t Tk = in.past + t + 1;
    const torch::Tensor step = cpu_attention(in.q.narrow(2, t, 1), in.keys.narrow(2, 0, Tk),
                                             in.values.narrow(2, 0, Tk), in.key_valid.narrow(1, 0, Tk), Tk - 1);
    EXPECT_TRUE(testing::tensors_equal(step.select(1, 0), block.select(1, t))) << "query " << t;
  }
}

TEST(CpuAttention, LeftPaddingARowChangesNoBitOfItsResult) {
  const Inputs in = random_inputs({1, 4, 2, 8, 5, 29}, 9);  // row 0: no padding
  for (int64_t pad : {1, 3, 8, 13}) {
    auto padded = [&](const torch::Tensor& x) {  // (1, Hkv, Tk, D) -> (1, Hkv, pad + Tk, D), junk in front
      return torch::cat({torch::randn({1, x.size(1), pad, x.size(3)}), x}, 2);
    };
    torch::Tensor valid = torch::ones({1, pad + 29}, torch::kBool);
    valid.narrow(1, 0, pad).fill_(false);
    const torch::Tensor got = cpu_attention(in.q, padded(in.keys), padded(in.values), valid, in.past + pad);
    const torch::Tensor want = cpu_attention(in.q, in.keys, in.values, torch::Tensor(), in.past);
    EXPECT_TRUE(testing::tensors_equal(got, want)) << "pad " << pad;
  }
}

TEST(CpuAttention, RejectsOperandsThatDoNotFit) {
  const Inputs in = random_inputs({2, 4, 2, 8, 1, 6}, 5);
  EXPECT_THROW(cpu_attention(in.q, in.keys, in.values.narrow(2, 0, 5), in.key_valid, in.past), Error);
  EXPECT_THROW(cpu_attention(in.q, in.keys, in.values, in.key_valid.narrow(1, 0, 5), in.past), Error);
  EXPECT_THROW(cpu_attention(in.q, in.keys, in.values, in.key_valid, in.past + 1), Error);  // query past the keys
  EXPECT_THROW(cpu_attention(in.q.narrow(1, 0, 3), in.keys, in.values, in.key_valid, in.past), Error);  // 3 % 2
}

// ---- through the model ---------------------------------------------------------------------------

// A decode step of forward() takes the kernels (grad mode off); under grad mode the same step takes
// the training path (invariant products, libtorch's softmax). Both against the float64 model (the torch
// path), within the float32 bound of this 2-layer network (longest sums: the MLP's 48 inputs). Left-
// padded rows, GQA, two decode steps after a prefill.
TEST(CpuAttention, ForwardDecodeStepsMatchTheTorchPath) {
  torch::set_num_threads(1);
  LlamaConfig c;
  c.vocab_size = 50, c.hidden_size = 32, c.intermediate_size = 48, c.num_layers = 2, c.num_heads = 4,
  c.num_kv_heads = 2, c.head_dim = 8, c.max_position_embeddings = 64;
  const Llama kernel_model = random_llama(c, 11);
  Llama training_model = kernel_model;
  training_model.embed = kernel_model.embed.clone().requires_grad_(true);
  const Llama model64 = random_llama(c, 11, torch::kFloat64);
  const int64_t B = 3, P = 6;
  const torch::Tensor ids = torch::randint(3, 50, {B, P + 2}, torch::kLong);  // (B, P + 2)
  torch::Tensor valid = torch::ones({B, P + 2}, torch::kBool);
  valid[1].narrow(0, 0, 2).fill_(false), valid[2].narrow(0, 0, 5).fill_(false);  // left padding
  const torch::Tensor pos = (valid.to(torch::kLong).cumsum(1) - 1).clamp_min(0);  // RoPE positions per row
  auto run = [&](const Llama& m, bool grad) {
    torch::AutoGradMode mode(grad);
    KVCache cache = make_kv_cache(m, B, P + 2);
    std::vector<torch::Tensor> logits;
    forward(m, ids.narrow(1, 0, P), pos.narrow(1, 0, P), valid.narrow(1, 0, P), &cache);
    for (int64_t t = P; t < P + 2; ++t)  // decode steps, one token each
      logits.push_back(forward(m, ids.narrow(1, t, 1), pos.narrow(1, t, 1), valid.narrow(1, 0, t + 1), &cache).detach());
    return torch::cat(logits, 1).to(torch::kFloat64);  // (B, 2, V)
  };
  const torch::Tensor want = run(model64, false);
  const double bound = testing::network_float32_bound(c.num_layers, 48, want.abs().max().item<double>());
  EXPECT_LE(max_abs_diff(run(kernel_model, false), want), bound);
  EXPECT_LE(max_abs_diff(run(training_model, true), want), bound);
  EXPECT_GT(want.abs().max().item<double>(), 0.1);  // real logits, not zeros
}

TEST(CpuAttention, Stories260KGreedyGenerationsStillMatchTheReference) {
  torch::set_num_threads(1);
  const std::string dir = testing::shared_dir() + "/models/stories260K";
  const nlohmann::json cases = nlohmann::json::parse(std::ifstream(dir + "/reference.json")).at("cases");
  const Llama model = load_llama(dir);
  const Tokenizer tokenizer = Tokenizer::load(dir);
  std::vector<GenerationRequest> requests;
  SamplingParams p;
  p.temperature = 0, p.ignore_eos = true, p.max_new_tokens = 0;
  for (const nlohmann::json& c : cases) {
    requests.push_back({c.at("prompt_ids").get<std::vector<int32_t>>(), 1, requests.size()});
    p.max_new_tokens = std::max(p.max_new_tokens, c.at("max_new_tokens").get<int64_t>());
  }
  // One batch of every case: prompts of different lengths, so left padding in the shared cache.
  const std::vector<Sample> got = generate(model, tokenizer, requests, p);
  ASSERT_EQ(got.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<int32_t> want = cases[i].at("generated_ids").get<std::vector<int32_t>>();
    ASSERT_GE(got[i].token_ids.size(), want.size());
    EXPECT_EQ(std::vector<int32_t>(got[i].token_ids.begin(), got[i].token_ids.begin() + want.size()), want)
        << cases[i].at("name");
  }
}

}  // namespace
}  // namespace iwsi
