// The two elementwise steps of the forward pass that evaluate transcendental functions, for float32
// CPU tensors, with the same operations for every element. libtorch's CPU loops do not guarantee
// that: a tensor's elements go through vector code in blocks of 16 and the remainder through scalar
// code with its own rounding, so with a row size that is not a multiple of 16 (stories260K's 172-wide
// MLP, its RoPE tables of 4 angles per position) the same token rounds differently in a decode step
// (1 row) and in a prefill (T rows). Everything else llama.cc does elementwise rounds alike everywhere.
#pragma once

#include "model/torch_api.h"

#include <utility>

namespace iwsi {

// True when these loops may replace the torch ops: inference (grad mode off), a float32 CPU tensor.
bool cpu_elementwise_applies(const torch::Tensor& x);

// silu(gate) * up, the SwiGLU of Llama's MLP (torch::silu(gate) * up up to float rounding; no
// autograd); gate and up float32 CPU tensors of one shape.
torch::Tensor swiglu(const torch::Tensor& gate, const torch::Tensor& up);

// cos(angles) and sin(angles), each element through the C library (RoPE tables: a handful per token).
std::pair<torch::Tensor, torch::Tensor> cos_sin(const torch::Tensor& angles);

}  // namespace iwsi
