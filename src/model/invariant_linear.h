// x W^T + b in float32 on the CPU, batch-invariant: every output element is one dot product summed in
// an order that depends only on the input size K, never on how many rows share the call or where a
// row sits among them. BLAS does not promise that (OpenBLAS rounds a row differently when the call
// has an odd row count, for one), so with torch::linear a decode step (1 row per sequence), a
// prefill (T rows) and a left-padded batch round the same token's activations differently, and a
// sample could depend on its batch. llama.cc uses this for float32 CPU inference; training, other
// dtypes and CUDA keep torch::linear.
#pragma once

#include <torch/torch.h>

namespace iwsi {

// True when invariant_linear() may replace torch::linear: inference (grad mode off: under
// NoGradGuard, as every inference path runs), float32 CPU tensors, weight (N, K) contiguous, bias
// undefined or (N) contiguous. Training keeps libtorch's ops throughout.
bool invariant_linear_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// x (..., K) any strides -> (..., N) contiguous, equal to torch::linear(x, weight, bias) up to float
// rounding (no autograd). The operands must fit as above; bias may be undefined.
torch::Tensor invariant_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// The model's projections: invariant_linear() where it applies, else torch::linear.
inline torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return invariant_linear_applies(x, weight, bias) ? invariant_linear(x, weight, bias)
                                                   : torch::linear(x, weight, bias);
}

}  // namespace iwsi
