// The trainable tensors of a model seen as one flat float32 vector: the optimizer's master copy,
// the one gradient buffer that is all-reduced per step, and the copy back into the model tensors
// (which may be bf16). Names are kept (HF / PEFT names) for checkpoints. Order = the order given.
// Deliberately no optimizer math (adamw.h) and no communication (grad_allreduce.h).
#pragma once

#include "model/torch_api.h"

#include <string>
#include <utility>
#include <vector>

namespace iwsi {

struct FlatParameters {
  std::vector<std::string> names;
  std::vector<torch::Tensor> tensors;  // the model's own tensors (shared handles), requires_grad
  std::vector<int64_t> offsets;        // tensor i is master[offsets[i], offsets[i+1])
  torch::Tensor master;                // (N) float32 (float64 for float64 tensors) on the tensors' device: what the optimizer updates

  int64_t numel() const { return offsets.empty() ? 0 : offsets.back(); }
};

// Marks every tensor trainable (requires_grad) and copies their values into `master`. Throws when
// the list is empty, a name repeats, or the tensors are on different devices / not floating point.
FlatParameters flatten_parameters(const std::vector<std::pair<std::string, torch::Tensor>>& named);

// (N) in master's dtype: every tensor's accumulated .grad (zeros where a tensor got none), in flat order.
torch::Tensor flat_gradients(const FlatParameters& params);

// Drops every .grad (the next backward starts from nothing).
void clear_gradients(const FlatParameters& params);

// master -> the model tensors (cast to their dtype), in place, outside autograd.
void copy_master_to_model(const FlatParameters& params);

// The slice of a flat vector (N) that belongs to tensor i, shaped like it.
torch::Tensor flat_slice(const FlatParameters& params, const torch::Tensor& flat, size_t i);

}  // namespace iwsi
