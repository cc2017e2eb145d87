// The loops behind invariant_linear.h. Every output element is summed in one order that depends on K
// alone: a chain of multiply-adds over k = k0, k0+1, ... from 0 within each block of kBlockK inputs,
// the block sums added in block order, then the bias. Nothing depends on which other rows or columns
// are computed alongside, so results are bitwise batch-invariant (and the blocks keep the rounding
// error of long sums close to BLAS's). To vectorize such chains the vector lanes run over rows: x is
// copied transposed into a (K, Mpad) buffer, Mpad a multiple of 8 with zero rows after M, and a
// register tile of 16 rows (two 8-float vectors) by 6 columns multiplies each vector by a broadcast
// weight (GCC/Clang vector extensions: AVX2 registers in the AVX2+FMA build, pairs of SSE registers
// in the baseline one). Block sums go to a small per-thread buffer and each row block's finished sums
// to y, so nothing of y's size is allocated besides y. Columns past N repeat the last one and are
// computed but not stored.
#include "model/invariant_linear.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "model/cpu_loops.h"
#include "model/cpu_threads.h"

#if !defined(__GNUC__) && !defined(__clang__)
#error "invariant_linear.cc needs GCC or Clang vector extensions"
#endif
// Returning a 32-byte vector from a function compiled without AVX has its own ABI; GCC warns about
// it, but every such function here is inlined into its caller.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace iwsi {
namespace {

typedef float Lanes __attribute__((vector_size(32)));  // 8 floats: 8 rows of one column
constexpr int64_t kRowLanes = 8, kTileRows = 2 * kRowLanes, kTileCols = 6, kChunkTiles = 16, kBlockRows = 128, kBlockK = 256;
constexpr int64_t kChunkCols = kChunkTiles * kTileCols;
static_assert(kBlockRows % kTileRows == 0, "a row tile must not straddle two row blocks");

struct LinearOperands {
  const float* xt;  // (K, Mpad) x transposed, zero columns past M
  int64_t M, Mpad, K;
  const float* w;  // (N, K) contiguous
  int64_t N;
  const float* bias;  // (N) or null
  float* y;           // (M, N) contiguous
};

// A thread's sums of the K blocks done so far for one row block by one column chunk: (kBlockRows /
// 16, kChunkCols, 16), the 16 rows of a row tile in one column together.
struct PartialSums {
  float* data;
  int64_t block, n_begin;  // the row block's first row, the chunk's first column
  IWSI_LOOP_INLINE float* at(int64_t m, int64_t n) const {
    return data + ((m - block) / kTileRows * kChunkCols + (n - n_begin)) * kTileRows + (m - block) % kTileRows;
  }
};

IWSI_LOOP_INLINE Lanes load(const float* p) {
  Lanes v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

IWSI_LOOP_INLINE void store(float* p, const Lanes& v) { __builtin_memcpy(p, &v, sizeof v); }

// Rows [m0, m0 + 8 * kVectors) by columns [n0, n0 + kTileCols), inputs [k0, k1).
template <int kVectors>
IWSI_LOOP_INLINE void tile(const LinearOperands& a, const PartialSums& partial, int64_t m0, int64_t n0, int64_t k0,
                           int64_t k1) {
  const float* w[kTileCols];
  for (int64_t c = 0; c < kTileCols; ++c) w[c] = a.w + std::min(n0 + c, a.N - 1) * a.K;
  Lanes acc[kVectors][kTileCols] = {};
  const float* xt = a.xt + k0 * a.Mpad + m0;
  for (int64_t k = k0; k < k1; ++k, xt += a.Mpad) {
    Lanes xk[kVectors];
#pragma GCC unroll 2
    for (int v = 0; v < kVectors; ++v) xk[v] = load(xt + v * kRowLanes);
#pragma GCC unroll 6
    for (int64_t c = 0; c < kTileCols; ++c) {
      const float wk = w[c][k];
#pragma GCC unroll 2
      for (int v = 0; v < kVectors; ++v) acc[v][c] += xk[v] * wk;
    }
  }
  const int64_t cols = std::min(kTileCols, a.N - n0);
  for (int64_t c = 0; c < cols; ++c)
    for (int v = 0; v < kVectors; ++v) {
      float* p = partial.at(m0 + v * kRowLanes, n0 + c);
      store(p, k0 == 0 ? acc[v][c] : load(p) + acc[v][c]);
    }
}

// Column tiles [tile_begin, tile_end) for all rows, kChunkTiles at a time, so that a chunk's
// weights stay in cache while the row tiles of a row block pass over them. scratch: kBlockRows *
// kChunkCols floats.
IWSI_LOOP_INLINE void column_tiles(const LinearOperands& a, int64_t tile_begin, int64_t tile_end, float* scratch) {
  for (int64_t chunk = tile_begin; chunk < tile_end; chunk += kChunkTiles) {
    const int64_t chunk_end = std::min(tile_end, chunk + kChunkTiles);
    const int64_t n_begin = chunk * kTileCols, n_end = std::min(a.N, chunk_end * kTileCols);
    for (int64_t block = 0; block < a.Mpad; block += kBlockRows) {
      const int64_t block_end = std::min(a.Mpad, block + kBlockRows);
      const PartialSums partial{scratch, block, n_begin};
      for (int64_t k0 = 0; k0 < a.K; k0 += kBlockK) {
        const int64_t k1 = std::min(a.K, k0 + kBlockK);
        int64_t m0 = block;
        for (; m0 + kTileRows <= block_end; m0 += kTileRows)
          for (int64_t t = chunk; t < chunk_end; ++t) tile<2>(a, partial, m0, t * kTileCols, k0, k1);
        if (m0 < block_end)
          for (int64_t t = chunk; t < chunk_end; ++t) tile<1>(a, partial, m0, t * kTileCols, k0, k1);
      }
      // The block's finished sums, still in cache, to y (with the bias).
      for (int64_t m = block; m < std::min(a.M, block_end); ++m) {
        const float* p = partial.at(m, n_begin);
        float* out = a.y + m * a.N;
        for (int64_t n = n_begin; n < n_end; ++n)
          out[n] = a.bias ? p[(n - n_begin) * kTileRows] + a.bias[n] : p[(n - n_begin) * kTileRows];
      }
    }
  }
}

struct ColumnTiles {
  static IWSI_LOOP_INLINE void run(const LinearOperands& a, int64_t begin, int64_t end, float* scratch) {
    column_tiles(a, begin, end, scratch);
  }
};

bool cpu_float32(const torch::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == torch::kFloat32; }

bool operands_fit(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return x.defined() && x.dim() >= 1 && cpu_float32(x) && weight.defined() && weight.dim() == 2 && cpu_float32(weight) &&
         weight.is_contiguous() && (!bias.defined() || (cpu_float32(bias) && bias.dim() == 1 && bias.is_contiguous()));
}

}  // namespace

bool invariant_linear_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return operands_fit(x, weight, bias);
}

torch::Tensor invariant_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  IWSI_CHECK(operands_fit(x, weight, bias),
             "invariant_linear: needs float32 CPU tensors and a contiguous (N, K) weight");
  torch::NoGradGuard no_grad;  // never recorded (grad mode is per thread: pool threads have it on)
  const int64_t K = weight.size(1), N = weight.size(0);
  IWSI_ASSERT(x.size(-1) == K && (!bias.defined() || bias.size(0) == N), "invariant_linear: input ", x.sizes(),
             " does not fit weight ", weight.sizes(), bias.defined() ? " and its bias" : "");
  std::vector<int64_t> out_sizes = x.sizes().vec();
  out_sizes.back() = N;
  torch::Tensor y = torch::empty(out_sizes, x.options());
  const int64_t M = y.numel() / std::max<int64_t>(N, 1), Mpad = (M + kRowLanes - 1) / kRowLanes * kRowLanes;
  if (M == 0 || N == 0) return y;
  if (K == 0) return bias.defined() ? y.copy_(bias.expand_as(y)) : y.zero_();
  const torch::Tensor rows = x.reshape({M, K});
  torch::Tensor xt = torch::zeros({K, Mpad}, x.options());
  xt.narrow(1, 0, M).copy_(rows.t());
  const LinearOperands a{xt.data_ptr<float>(), M, Mpad, K, weight.data_ptr<float>(), N,
                         bias.defined() ? bias.data_ptr<float>() : nullptr, y.data_ptr<float>()};
  const int64_t tiles = (N + kTileCols - 1) / kTileCols;
  // Tasks of at least ~64K multiply-adds, so that handing one to a thread costs little.
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, Mpad * K * kTileCols));
  parallel_for(0, tiles, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(kBlockRows * kChunkCols);
    run_for_this_cpu<ColumnTiles>(a, begin, end, scratch.data());
  });
  return y;
}

torch::Tensor invariant_matmul(const torch::Tensor& a, const torch::Tensor& b) {
  IWSI_ASSERT(a.dim() >= 2 && a.dim() == b.dim() && cpu_float32(a) && cpu_float32(b) &&
                 a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2) && a.size(-1) == b.size(-2),
             "invariant_matmul: needs float32 CPU tensors (..., M, K) and (..., K, N) with the same leading "
             "dimensions, got ", a.sizes(), " and ", b.sizes());
  torch::NoGradGuard no_grad;
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  const torch::Tensor as = a.reshape({-1, M, K});
  const torch::Tensor weights = b.reshape({-1, K, N}).transpose(1, 2).contiguous();  // (L, N, K)
  const int64_t L = as.size(0);
  std::vector<int64_t> out_sizes = a.sizes().vec();
  out_sizes.back() = N;
  torch::Tensor y = torch::empty({L, M, N}, a.options());
  // One product per task: the products inside run serially (a nested parallel_for), which for many
  // small products (attention heads) beats splitting each one.
  parallel_for(0, L, 1, [&](int64_t begin, int64_t end) {
    torch::NoGradGuard no_grad;
    for (int64_t l = begin; l < end; ++l) y[l].copy_(invariant_linear(as[l], weights[l], {}));
  });
  return y.view(out_sizes);
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The sum over rows of a (M, N) gradient, as ones(1, M) times it, in the same loops.
torch::Tensor column_sums(const torch::Tensor& rows) {
  return invariant_linear(torch::ones({1, rows.size(0)}, rows.options()), rows.t().contiguous(), {}).view({-1});
}

// libtorch 1.13's Function::apply takes no undefined tensors, so "no bias" is an empty one.
struct TrainableLinear : torch::autograd::Function<TrainableLinear> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias_or_empty) {
    ctx->save_for_backward({x, weight});
    const bool has_bias = bias_or_empty.numel() > 0;
    ctx->saved_data["bias"] = has_bias;
    return invariant_linear(x, weight.contiguous(), has_bias ? bias_or_empty.contiguous() : torch::Tensor());
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const torch::Tensor &x = saved[0], &weight = saved[1];
    const int64_t K = weight.size(1), N = weight.size(0);
    const torch::Tensor dy = grad_outputs[0].reshape({-1, N});  // (M, N)
    torch::Tensor dx, dweight, dbias;
    if (ctx->needs_input_grad(0)) dx = invariant_linear(dy, weight.t().contiguous(), {}).view(x.sizes());
    if (ctx->needs_input_grad(1)) dweight = invariant_linear(dy.t(), x.reshape({-1, K}).t().contiguous(), {});
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) dbias = column_sums(dy);
    return {dx, dweight, dbias};
  }
};

struct TrainableMatmul : torch::autograd::Function<TrainableMatmul> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b) {
    ctx->save_for_backward({a, b});
    return invariant_matmul(a, b);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const torch::Tensor &a = saved[0], &b = saved[1], &dy = grad_outputs[0];
    torch::Tensor da, db;
    if (ctx->needs_input_grad(0)) da = invariant_matmul(dy, b.transpose(-1, -2));
    if (ctx->needs_input_grad(1)) db = invariant_matmul(a.transpose(-1, -2), dy);
    return {da, db};
  }
};

bool records_gradient(const torch::Tensor& t) { return t.defined() && t.requires_grad(); }

}  // namespace

torch::Tensor invariant_linear_trainable(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return TrainableLinear::apply(x, weight, bias.defined() ? bias : torch::empty({0}, weight.options()));
}

torch::Tensor invariant_matmul_trainable(const torch::Tensor& a, const torch::Tensor& b) {
  return TrainableMatmul::apply(a, b);
}

torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  const bool ours = cpu_float32(x) && x.dim() >= 1 && cpu_float32(weight) && weight.dim() == 2 && (!bias.defined() || cpu_float32(bias));
  if (!ours) return torch::linear(x, weight, bias);
  const bool recorded =
      torch::GradMode::is_enabled() && (records_gradient(x) || records_gradient(weight) || records_gradient(bias));
  if (recorded) return invariant_linear_trainable(x, weight, bias);
  return invariant_linear(x, weight.contiguous(), bias.defined() ? bias.contiguous() : bias);
}

torch::Tensor matmul_forward(const torch::Tensor& a, const torch::Tensor& b) {
  if (!(cpu_float32(a) && cpu_float32(b) && a.dim() >= 2 && a.dim() == b.dim())) return torch::matmul(a, b);
  if (torch::GradMode::is_enabled() && (records_gradient(a) || records_gradient(b)))
    return invariant_matmul_trainable(a, b);
  return invariant_matmul(a, b);
}

}  // namespace iwsi
