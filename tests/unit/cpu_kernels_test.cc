// The batch-invariant CPU loops of float32 inference: invariant_linear (model/invariant_linear.h)
// against torch::linear in float64 and, bit for bit, against itself over batch compositions, row
// orders and thread counts; swiglu and cos_sin (model/cpu_elementwise.h) against torch, special
// values included, and bit for bit over tensor sizes. (Attention has cpu_attention_test.cc.)
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "expect_error.h"
#include "model/cpu_elementwise.h"
#include "model/invariant_linear.h"

namespace iwsi {
namespace {

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// ---- invariant_linear --------------------------------------------------------------------------

struct Shape {
  int64_t M, K, N;
};

// Off every tile and block edge: rows 1..130 (tiles of 16, blocks of 128), inputs 1..600 (multiples
// of 8 or not, one or three blocks of 256), columns 1..100 (tiles of 6, chunks of 96).
const std::vector<Shape> kShapes = {{1, 1, 1},   {1, 64, 128}, {3, 7, 5},      {17, 300, 13},
                                    {64, 128, 100}, {130, 600, 97}, {16, 256, 6}, {2, 257, 1}};

TEST(InvariantLinear, MatchesTorchLinearInFloat64WithinFloat32Rounding) {
  torch::manual_seed(1);
  for (const Shape& s : kShapes) {
    for (bool with_bias : {false, true}) {
      const torch::Tensor x = torch::randn({s.M, s.K}), w = torch::randn({s.N, s.K});
      const torch::Tensor b = with_bias ? torch::randn({s.N}) : torch::Tensor();
      const torch::Tensor got = invariant_linear(x, w, b);
      const torch::Tensor want = torch::linear(x.to(torch::kFloat64), w.to(torch::kFloat64),
                                               with_bias ? b.to(torch::kFloat64) : torch::Tensor());
      ASSERT_EQ(got.sizes(), want.sizes());
      // Products of N(0,1) entries: a float32 sum of K of them is off by ~1e-7 * K at worst.
      EXPECT_LE(max_abs_diff(got, want), 2e-7 * s.K + 1e-6) << "M " << s.M << " K " << s.K << " N " << s.N;
      EXPECT_GT(got.abs().max().item<double>(), 0.1);
    }
  }
}

TEST(InvariantLinear, TakesAnyLeadingShapeAndStridedInput) {
  torch::manual_seed(2);
  const torch::Tensor w = torch::randn({9, 40}), b = torch::randn({9});
  const torch::Tensor x = torch::randn({40, 3, 5}).permute({1, 2, 0});  // (3, 5, 40), not contiguous
  const torch::Tensor got = invariant_linear(x, w, b);
  EXPECT_EQ(got.sizes(), (std::vector<int64_t>{3, 5, 9}));
  EXPECT_LE(max_abs_diff(got, torch::linear(x, w, b)), 1e-5);
  EXPECT_TRUE(torch::equal(got, invariant_linear(x.contiguous(), w, b)));
}

// The property the kernel exists for: a row's result depends on nothing but the row.
TEST(InvariantLinear, ARowsResultDoesNotDependOnItsBatchBitForBit) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({200, 300}), w = torch::randn({70, 300}), b = torch::randn({70});
  const torch::Tensor all = invariant_linear(x, w, b);
  for (int64_t M : {1, 2, 5, 16, 17, 64, 129}) {
    const int64_t offset = (M * 37) % (200 - M);
    EXPECT_TRUE(torch::equal(invariant_linear(x.narrow(0, offset, M), w, b), all.narrow(0, offset, M)))
        << "rows [" << offset << ", " << offset + M << ")";
  }
  const torch::Tensor order = torch::randperm(200);
  EXPECT_TRUE(torch::equal(invariant_linear(x.index_select(0, order), w, b), all.index_select(0, order)));
  // torch::linear (BLAS) makes no such promise; with this many shapes it breaks it somewhere, which
  // is what the kernel is for. (Reported, not asserted: another BLAS may well keep it.)
  int64_t differing = 0;
  for (int64_t M = 1; M <= 20; ++M)
    differing += !torch::equal(torch::linear(x.narrow(0, 0, M), w, b), torch::linear(x, w, b).narrow(0, 0, M));
  std::printf("[ info     ] torch::linear: %lld of 20 row counts round the first rows differently\n",
              static_cast<long long>(differing));
}

TEST(InvariantLinear, ResultsDoNotDependOnTheThreadCount) {
  torch::manual_seed(4);
  const torch::Tensor x = torch::randn({100, 500}), w = torch::randn({300, 500});
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  const torch::Tensor one = invariant_linear(x, w, {});
  torch::set_num_threads(3);
  const torch::Tensor three = invariant_linear(x, w, {});
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, three));
}

TEST(InvariantLinear, AppliesToFloat32CpuInferenceOnly) {
  const torch::Tensor x = torch::randn({2, 8}), w = torch::randn({4, 8}), b = torch::randn({4});
  {
    torch::AutoGradMode grad(true);  // training, even where nothing requires grad: libtorch's ops
    EXPECT_FALSE(invariant_linear_applies(x, w, b));
  }
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(invariant_linear_applies(x, w, b));
  EXPECT_TRUE(invariant_linear_applies(x, w, {}));
  EXPECT_TRUE(invariant_linear_applies(x, w.clone().requires_grad_(true), {}));  // an adapter under evaluation
  EXPECT_FALSE(invariant_linear_applies(x.to(torch::kFloat64), w.to(torch::kFloat64), {}));
  EXPECT_FALSE(invariant_linear_applies(x.to(torch::kBFloat16), w.to(torch::kBFloat16), {}));
  EXPECT_FALSE(invariant_linear_applies(x, torch::randn({8, 4}).t(), {}));  // weight not contiguous
}

TEST(InvariantLinear, RejectsOperandsThatDoNotFitNamingTheShapes) {
  const torch::Tensor w = torch::randn({4, 8});
  testing::expect_error([&] { invariant_linear(torch::randn({2, 7}), w, {}); }, {"[2, 7]"});
  testing::expect_error([&] { invariant_linear(torch::randn({2, 8}), w, torch::randn({5})); }, {"bias"});
  testing::expect_error([&] { invariant_linear(torch::randn({2, 8}).to(torch::kFloat64), w, {}); }, {"float32"});
}

TEST(InvariantLinear, EmptyBatchesAndEmptyInputs) {
  EXPECT_EQ(invariant_linear(torch::randn({0, 8}), torch::randn({4, 8}), {}).sizes(), (std::vector<int64_t>{0, 4}));
  const torch::Tensor b = torch::randn({4});
  EXPECT_TRUE(torch::equal(invariant_linear(torch::randn({3, 0}), torch::randn({4, 0}), b), b.expand({3, 4})));
  EXPECT_TRUE(torch::equal(invariant_linear(torch::randn({3, 0}), torch::randn({4, 0}), {}), torch::zeros({3, 4})));
}

// ---- swiglu, cos_sin ---------------------------------------------------------------------------

TEST(Swiglu, MatchesTorchSiluTimesUpIncludingSpecialValues) {
  torch::manual_seed(5);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  torch::Tensor gate = torch::cat({torch::randn({1000}) * 4, torch::rand({1000}) * 200 - 100,
                                   torch::tensor({0.0f, -0.0f, 1e-30f, -1e-30f, 86.9f, -86.9f, -87.0f, -87.5f,
                                                  -200.0f, 200.0f, inf, nan, 3.0f})});
  torch::Tensor up = torch::randn(gate.sizes());
  const torch::Tensor got = swiglu(gate, up), want = torch::silu(gate) * up;
  EXPECT_TRUE(torch::equal(torch::isnan(got), torch::isnan(want)));
  const torch::Tensor finite = torch::isfinite(want);
  EXPECT_TRUE(torch::equal(torch::isfinite(got), finite));
  const torch::Tensor g = got.masked_select(finite), w = want.masked_select(finite);
  // exp by a degree-7 polynomial: a few float ulps from torch's; tiny values only in absolute terms.
  EXPECT_TRUE(((g - w).abs() <= w.abs() * 1e-6 + 1e-30).all().item<bool>()) << max_abs_diff(g, w);
  EXPECT_EQ(got[2010].item<float>(), inf * up[2010].item<float>());  // silu(inf) = inf
}

TEST(Swiglu, AnElementsResultDoesNotDependOnTheTensorsSizeBitForBit) {
  torch::manual_seed(6);
  const torch::Tensor gate = torch::randn({7, 172}) * 3, up = torch::randn({7, 172});
  const torch::Tensor all = swiglu(gate, up);
  for (int64_t rows : {1, 2, 3})
    for (int64_t first : {0, 1, 4})
      EXPECT_TRUE(torch::equal(swiglu(gate.narrow(0, first, rows), up.narrow(0, first, rows)), all.narrow(0, first, rows)));
  EXPECT_TRUE(torch::equal(swiglu(gate.narrow(1, 3, 5), up.narrow(1, 3, 5)), all.narrow(1, 3, 5)));
}

TEST(CosSin, MatchTorchAndDoNotDependOnTheTensorsSize) {
  const torch::Tensor angles = torch::arange(0, 2048, torch::kFloat32).unsqueeze(-1) * torch::tensor({1.0f, 0.1f, 0.01f, 0.001f});
  const auto [c, s] = cos_sin(angles);
  EXPECT_LE(max_abs_diff(c, angles.to(torch::kFloat64).cos()), 1e-6);
  EXPECT_LE(max_abs_diff(s, angles.to(torch::kFloat64).sin()), 1e-6);
  const auto [c1, s1] = cos_sin(angles.narrow(0, 1000, 1));
  EXPECT_TRUE(torch::equal(c1, c.narrow(0, 1000, 1)) && torch::equal(s1, s.narrow(0, 1000, 1)));
}

TEST(CpuElementwise, AppliesToFloat32CpuInferenceOnly) {
  {
    torch::AutoGradMode grad(true);
    EXPECT_FALSE(cpu_elementwise_applies(torch::randn({3})));
  }
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(cpu_elementwise_applies(torch::randn({3})));
  EXPECT_FALSE(cpu_elementwise_applies(torch::randn({3}, torch::kFloat64)));
  testing::expect_error([] { swiglu(torch::randn({3}), torch::randn({4})); }, {"[3] and [4]"});
}

}  // namespace
}  // namespace iwsi
