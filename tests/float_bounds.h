// Tolerances derived from the arithmetic, so that a test holds on any CPU, BLAS kernel and thread
// count: the standard error bounds of floating-point arithmetic (Higham, "Accuracy and Stability of
// Numerical Algorithms", 2nd ed., section 3.1). A sum of n terms (or a dot product of length n)
// evaluated in precision u in any order, with or without fused multiply-adds, differs from the
// exact value by at most gamma(n) times the sum of the terms' magnitudes, gamma(n) = n u / (1 - n u).
#pragma once

#include "model/torch_api.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

namespace iwsi::testing {

inline constexpr double kFloat32Unit = 5.9604644775390625e-08;  // u = 2^-24, half an ulp of 1.0f

inline constexpr double kFloat64Unit = 1.1102230246251565e-16;  // u = 2^-53

inline double gamma_float64(int64_t n) {
  const double nu = static_cast<double>(n) * kFloat64Unit;
  return nu / (1 - nu);
}

inline double gamma_float32(int64_t n) {
  const double nu = static_cast<double>(n) * kFloat32Unit;
  return nu / (1 - nu);
}

// Element-wise bound on |fl32(a @ b) - a @ b| for float32 operands (..., M, K) @ (..., K, N):
// gamma(K) (|a| @ |b|), evaluated in float64 (whose own rounding is 2^29 times smaller).
inline torch::Tensor float32_matmul_error_bound(const torch::Tensor& a, const torch::Tensor& b) {
  return gamma_float32(a.size(-1)) * torch::matmul(a.abs().to(torch::kFloat64), b.abs().to(torch::kFloat64));
}

// True when every element of `got` lies within `bound` (same shape, float64) of `want`.
inline bool within(const torch::Tensor& got, const torch::Tensor& want, const torch::Tensor& bound) {
  return ((got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs() <= bound).all().item<bool>();
}

// The largest ratio |got - want| / bound (<= 1 where the test holds), for the failure message.
inline double worst_ratio(const torch::Tensor& got, const torch::Tensor& want, const torch::Tensor& bound) {
  return ((got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs() / bound.clamp_min(1e-300)).max().item<double>();
}

// A float32 network's outputs against the same network in float64: each of its L layers (and the
// head) rounds along sums no longer than K (the longest of hidden size, MLP width and attention
// length), each within gamma(K) of its terms' magnitude, on activations that normalized residual
// networks keep near unit gain. Summed over the layers: (L + 1) gamma(K) max|output|. A heuristic,
// not a rigorous bound (a gain above 1 would amplify it); tests use it where they check logic and
// a bug moves the outputs by orders of magnitude more.
inline double network_float32_bound(int64_t layers, int64_t longest_sum, double max_abs_output) {
  return static_cast<double>(layers + 1) * gamma_float32(longest_sum) * max_abs_output;
}

// The same for a float64 network (u = 2^-53).
inline double network_float64_bound(int64_t layers, int64_t longest_sum, double max_abs_output) {
  return static_cast<double>(layers + 1) * gamma_float64(longest_sum) * max_abs_output;
}

// The multi-index of flat (row-major) element `flat` of a tensor of `sizes`, as "[i, j, k]".
inline std::string tensor_index(int64_t flat, torch::IntArrayRef sizes) {
  std::vector<int64_t> index(sizes.size());
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    index[d] = sizes[d] == 0 ? 0 : flat % sizes[d];
    flat = sizes[d] == 0 ? 0 : flat / sizes[d];
  }
  std::ostringstream out;
  out << torch::IntArrayRef(index);
  return out.str();
}

// The one tensor comparator of the tests: EXPECT_TRUE(tensors_within(got, want, bound)) fails with
// the number of elements out of bound and the first one's index, values and bound. `bound` is
// element-wise (broadcast like got - want), 0 for exact equality.
inline ::testing::AssertionResult tensors_within(const torch::Tensor& got, const torch::Tensor& want,
                                                 const torch::Tensor& bound) {
  if (got.sizes() != want.sizes()) {
    std::ostringstream out;
    out << "shape " << got.sizes() << " where " << want.sizes() << " was expected";
    return ::testing::AssertionFailure() << out.str();
  }
  const torch::Tensor g = got.to(torch::kCPU, torch::kFloat64).contiguous(), w = want.to(torch::kCPU, torch::kFloat64).contiguous();
  const torch::Tensor b = bound.to(torch::kCPU, torch::kFloat64).expand_as(g).contiguous();
  // NaN compares unequal, as in torch::equal; equal infinities are equal.
  const torch::Tensor bad = ((g - w).abs() > b).logical_or(g.isnan()).logical_or(w.isnan()).logical_and(g != w).reshape(-1);
  const int64_t count = bad.sum().item<int64_t>();
  if (count == 0) return ::testing::AssertionSuccess();
  const int64_t first = bad.nonzero()[0][0].item<int64_t>();
  std::ostringstream out;
  out.precision(17);
  out << count << " of " << g.numel() << " elements differ; the first at " << tensor_index(first, g.sizes()) << ": got "
      << g.reshape(-1)[first].item<double>() << ", want " << w.reshape(-1)[first].item<double>() << ", bound "
      << b.reshape(-1)[first].item<double>();
  return ::testing::AssertionFailure() << out.str();
}

// Bit-for-bit equality of values (and shape), naming the first differing element.
inline ::testing::AssertionResult tensors_equal(const torch::Tensor& got, const torch::Tensor& want) {
  if (got.scalar_type() != want.scalar_type())
    return ::testing::AssertionFailure() << "dtype " << got.scalar_type() << " where " << want.scalar_type()
                                         << " was expected";
  if (got.sizes() == want.sizes() && torch::equal(got, want)) return ::testing::AssertionSuccess();
  ::testing::AssertionResult where = tensors_within(got, want, torch::zeros({}, torch::kFloat64));
  if (where) return ::testing::AssertionFailure() << "values differ beyond float64 precision (int64 above 2^53?)";
  return where;
}

}  // namespace iwsi::testing
