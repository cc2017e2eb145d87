// Tolerances derived from the arithmetic, so that a test holds on any CPU, BLAS kernel and thread
// count: the standard error bounds of floating-point arithmetic (Higham, "Accuracy and Stability of
// Numerical Algorithms", 2nd ed., section 3.1). A sum of n terms (or a dot product of length n)
// evaluated in precision u in any order, with or without fused multiply-adds, differs from the
// exact value by at most gamma(n) times the sum of the terms' magnitudes, gamma(n) = n u / (1 - n u).
#pragma once

#include "model/torch_api.h"

#include <cmath>
#include <cstdint>

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

}  // namespace iwsi::testing
