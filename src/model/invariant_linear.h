// x W^T + b in float32 on the CPU, batch-invariant: every output element is one dot product summed in
// an order that depends only on the input size K, never on how many rows share the call or where a
// row sits among them. BLAS does not promise that (OpenBLAS rounds a row differently when the call
// has an odd row count, for one), so with torch::linear a decode step (1 row per sequence), a
// prefill (T rows) and a left-padded batch round the same token's activations differently, and a
// sample could depend on its batch. llama.cc uses this for float32 on the CPU, in inference and in
// training (through the differentiable versions below); other dtypes and CUDA keep torch::linear.
#pragma once

#include "model/torch_api.h"

namespace iwsi {

// True when invariant_linear() may replace torch::linear: float32 CPU tensors, weight (N, K)
// contiguous, bias undefined or (N) contiguous. (Gradients then come from invariant_linear_trainable.)
bool invariant_linear_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// x (..., K) any strides -> (..., N) contiguous, equal to torch::linear(x, weight, bias) up to float
// rounding (no autograd). The operands must fit as above; bias may be undefined.
torch::Tensor invariant_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// a (..., M, K) @ b (..., K, N) -> (..., M, N) for float32 CPU tensors with the same leading
// dimensions, every product through invariant_linear (no autograd).
torch::Tensor invariant_matmul(const torch::Tensor& a, const torch::Tensor& b);

// The differentiable versions, for training: the backward products (dx = dy W, dW = dy^T x, db = the
// column sums of dy; da = dy b^T, db = a^T dy) run through the same loops, so that training on the
// CPU rounds alike on every x86-64 CPU with FMA, whatever BLAS libtorch uses and however many threads.
torch::Tensor invariant_linear_trainable(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);
torch::Tensor invariant_matmul_trainable(const torch::Tensor& a, const torch::Tensor& b);

// The model's projections and attention products: float32 on the CPU through the loops above
// (differentiable where autograd records), anything else through libtorch.
torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);
torch::Tensor matmul_forward(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace iwsi
