// Everything that differs between the libtorch versions and devices we build against, in one place:
// libtorch 1.13 CPU (Debian) for development and CI, libtorch 2.x with CUDA on the clusters.
// Device selection ("auto"/"cpu"/"cuda[:N]"), dtype names, which compute dtypes a device supports,
// and device synchronization for timing. Deliberately nothing model-specific: the model code only
// uses torch APIs that are identical in 1.13 and 2.x, and calls these helpers for the rest.
#pragma once

#include "model/torch_api.h"
#include <torch/version.h>

#include <string>

#include "core/error.h"

namespace iwsi {

// True when this libtorch was built with CUDA and a GPU is visible.
inline bool cuda_available() { return torch::cuda::is_available(); }

// The device a job uses when the user did not name one: the first GPU if any, else the CPU.
inline torch::Device default_device() {
  return cuda_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

// "auto" -> default_device(); "cpu"; "cuda" / "cuda:N". `what` names the option in errors.
inline torch::Device parse_device(const std::string& name, const std::string& what = "device") {
  if (name == "auto" || name.empty()) return default_device();
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    IWSI_CHECK(cuda_available(), what, " = '", name, "': this build/machine has no CUDA (libtorch ",
               TORCH_VERSION_MAJOR, ".", TORCH_VERSION_MINOR, ")");
    return torch::Device(name);
  }
  fail(what, " = '", name, "': expected auto, cpu, cuda or cuda:N");
}

// Accepts the HF `torch_dtype` spellings and the short ones used in our configs.
inline torch::ScalarType parse_dtype(const std::string& name, const std::string& what = "dtype") {
  if (name == "float32" || name == "fp32" || name == "float") return torch::kFloat32;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16" || name == "half") return torch::kFloat16;
  if (name == "float64" || name == "fp64" || name == "double") return torch::kFloat64;
  fail(what, " = '", name, "': expected float32, bfloat16, float16 or float64");
}

// The HF `torch_dtype` spelling of a compute dtype (inverse of parse_dtype).
inline std::string dtype_name(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kFloat16: return "float16";
    case torch::kFloat64: return "float64";
    default: return c10::toString(dtype);
  }
}

// float64 is accepted for reference computations in tests.
// libtorch 1.13 has no float16 matmul on the CPU (it throws "addmm_impl_cpu_ not implemented for
// 'Half'" deep inside the forward); 2.x has one. Checked once at load time so the error is clear.
inline bool compute_dtype_supported(torch::ScalarType dtype, torch::Device device) {
  if (dtype == torch::kFloat32 || dtype == torch::kBFloat16 || dtype == torch::kFloat64) return true;
  if (dtype == torch::kFloat16) return device.is_cuda() || TORCH_VERSION_MAJOR >= 2;
  return false;
}

// model.dtype = auto: on a GPU the dtype the checkpoint declares (bf16 weights compute in bf16, so an
// 8B model takes 16 GB, not 32); on the CPU float32, the dtype our batch-invariant CPU kernels are
// written for. A checkpoint that declares nothing, or a dtype we do not compute in, gives float32.
inline torch::ScalarType auto_compute_dtype(const std::string& checkpoint_dtype, torch::Device device) {
  if (!device.is_cuda()) return torch::kFloat32;
  if (checkpoint_dtype == "bfloat16") return torch::kBFloat16;
  if (checkpoint_dtype == "float16") return torch::kFloat16;
  return torch::kFloat32;
}

// The compute dtype a `--model.dtype` value names: "auto" (auto_compute_dtype) or an explicit
// parse_dtype name, checked against the device. `what` names the option in errors.
inline torch::ScalarType resolve_compute_dtype(const std::string& option_value, const std::string& checkpoint_dtype,
                                               torch::Device device, const std::string& what = "option --model.dtype") {
  const torch::ScalarType dtype =
      option_value == "auto" ? auto_compute_dtype(checkpoint_dtype, device) : parse_dtype(option_value, what);
  IWSI_CHECK(compute_dtype_supported(dtype, device), what, "=", option_value, ": ", dtype_name(dtype),
             " is not supported on ", device.str());
  return dtype;
}

// Waits for queued kernels, so wall-clock timings of GPU work mean something. No-op on the CPU.
inline void device_synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
}

}  // namespace iwsi
