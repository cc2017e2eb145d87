#include "train/flat_parameters.h"

#include <algorithm>
#include <set>

#include "core/error.h"

namespace iwsi {

FlatParameters flatten_parameters(const std::vector<std::pair<std::string, torch::Tensor>>& named) {
  IWSI_CHECK(!named.empty(), "no trainable tensors");
  FlatParameters params;
  params.offsets.push_back(0);
  std::set<std::string> seen;
  const torch::Device device = named.front().second.device();
  for (const auto& [name, tensor] : named) {
    IWSI_CHECK(seen.insert(name).second, "trainable tensor '", name, "' is listed twice");
    IWSI_CHECK(tensor.defined() && tensor.is_floating_point(), "trainable tensor '", name, "' is not a floating-point tensor");
    IWSI_CHECK(tensor.device() == device, "trainable tensor '", name, "' is on ", tensor.device().str(), ", the others on ",
               device.str());
    IWSI_CHECK(tensor.is_leaf(), "trainable tensor '", name, "' is computed from other tensors, not a leaf");
    tensor.requires_grad_(true);
    params.names.push_back(name);
    params.tensors.push_back(tensor);
    params.offsets.push_back(params.offsets.back() + tensor.numel());
  }
  torch::NoGradGuard no_grad;
  // float32 masters for float32/bf16/f16 tensors; a float64 model (tests of the training logic, far
  // below float32 rounding) keeps float64 throughout.
  const bool all_float64 = std::all_of(params.tensors.begin(), params.tensors.end(),
                                       [](const torch::Tensor& t) { return t.scalar_type() == torch::kFloat64; });
  params.master = torch::empty({params.numel()},
                               torch::TensorOptions().dtype(all_float64 ? torch::kFloat64 : torch::kFloat32).device(device));
  for (size_t i = 0; i < params.tensors.size(); ++i)
    flat_slice(params, params.master, i).copy_(params.tensors[i]);
  return params;
}

torch::Tensor flat_slice(const FlatParameters& params, const torch::Tensor& flat, size_t i) {
  return flat.narrow(0, params.offsets[i], params.offsets[i + 1] - params.offsets[i]).view(params.tensors[i].sizes());
}

torch::Tensor flat_gradients(const FlatParameters& params) {
  torch::NoGradGuard no_grad;
  torch::Tensor flat = torch::zeros_like(params.master);  // (N)
  for (size_t i = 0; i < params.tensors.size(); ++i) {
    const torch::Tensor& grad = params.tensors[i].grad();
    if (grad.defined()) flat_slice(params, flat, i).copy_(grad);
  }
  return flat;
}

void clear_gradients(const FlatParameters& params) {
  for (const torch::Tensor& tensor : params.tensors) tensor.mutable_grad() = torch::Tensor();
}

void copy_master_to_model(const FlatParameters& params) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.tensors.size(); ++i) {
    torch::Tensor tensor = params.tensors[i];
    tensor.copy_(flat_slice(params, params.master, i));
  }
}

}  // namespace iwsi
