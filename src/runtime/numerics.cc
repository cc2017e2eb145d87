#include "runtime/numerics.h"

#include <dlfcn.h>
#include <torch/version.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/cpu_loops.h"
#include "model/cpu_threads.h"

#ifdef IWSI_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif
#ifdef IWSI_WITH_NCCL
#include <nccl.h>
#endif

namespace iwsi {
namespace {

bool cpu_supports(const char* feature) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // __builtin_cpu_supports needs a string literal, hence the list.
  const std::string f = feature;
  if (f == "avx2") return __builtin_cpu_supports("avx2");
  if (f == "fma") return __builtin_cpu_supports("fma");
  if (f == "avx512f") return __builtin_cpu_supports("avx512f");
  if (f == "avx") return __builtin_cpu_supports("avx");
#endif
  (void)feature;
  return false;
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

// What libtorch reports as "CPU capability usage: X" (computed at its first dispatch).
std::string aten_capability() {
  const std::string config = at::show_config();
  const std::string key = "CPU capability usage: ";
  const size_t at = config.find(key);
  if (at == std::string::npos) return "unknown";
  const size_t end = config.find('\n', at);
  return config.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

// OpenBLAS's own description when it is the loaded BLAS (Debian's libblas.so.3 alternative).
std::string blas_description() {
  using Text = char* (*)();
  auto config = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto core = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!config) return "not OpenBLAS (unidentified)";
  std::string out = config();
  if (core) out += " core " + std::string(core());
  return out;
}

void set_openblas_threads(int threads) {
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

std::string device_description(torch::Device device) {
  if (!device.is_cuda()) return "cpu";
  std::string out = device.str();
#ifdef IWSI_WITH_CUDA
  const int index = device.has_index() ? device.index() : 0;
  out += " " + std::string(at::cuda::getDeviceProperties(index)->name);
  int runtime = 0;
  cudaRuntimeGetVersion(&runtime);
  out += " (CUDA runtime " + std::to_string(runtime);
  // cuBLAS is loaded with libtorch_cuda; asked through dlsym so that we need not link it ourselves.
  using Property = int (*)(int, int*);
  if (auto property = reinterpret_cast<Property>(dlsym(RTLD_DEFAULT, "cublasGetProperty"))) {
    int major = 0, minor = 0, patch = 0;
    property(0, &major), property(1, &minor), property(2, &patch);
    out += ", cuBLAS " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
#ifdef IWSI_WITH_NCCL
  int nccl = 0;
  ncclGetVersion(&nccl);
  out += ", NCCL " + std::to_string(nccl);
#endif
  out += ")";
#endif
  return out;
}

}  // namespace

NumericsMode parse_numerics_mode(const std::string& name, const std::string& what) {
  if (name == "deterministic") return NumericsMode::deterministic;
  if (name == "native") return NumericsMode::native;
  fail(what, " = '", name, "': expected deterministic or native");
}

const char* numerics_mode_name(NumericsMode mode) {
  return mode == NumericsMode::deterministic ? "deterministic" : "native";
}

void pin_numerics(NumericsMode mode, int threads) {
  IWSI_CHECK(threads >= 1, "pin_numerics: threads must be at least 1, got ", threads);
  set_kernel_threads(threads);
  if (mode == NumericsMode::deterministic) {
    // libtorch's AVX2 kernels need AVX2 and FMA; without them its baseline build is the pinned one.
    setenv("ATEN_CPU_CAPABILITY", cpu_supports("avx2") && cpu_supports("fma") ? "avx2" : "default", 1);
    torch::set_num_threads(1);
    set_openblas_threads(1);
  } else {
    torch::set_num_threads(threads);
    set_openblas_threads(threads);
  }
}

NumericsIdentity numerics_identity(NumericsMode mode, torch::Device device) {
  NumericsIdentity id;
  id.mode = numerics_mode_name(mode);
  id.cpu = cpu_model_name();
  for (const char* f : {"avx", "avx2", "fma", "avx512f"})
    if (cpu_supports(f)) id.cpu_isa += (id.cpu_isa.empty() ? "" : " ") + std::string(f);
  id.loops = cpu_has_avx2_fma() ? "avx2-fma" : "baseline";
  id.aten = aten_capability();
  id.blas = blas_description();
  id.libtorch = TORCH_VERSION;
  id.torch_threads = torch::get_num_threads();
  id.kernel_threads = kernel_threads();
  id.device = device_description(device);
  return id;
}

std::string rounding_key(const NumericsIdentity& id) {
  std::string key = id.mode + "; loops " + id.loops + "; libtorch " + id.libtorch + " (" + id.aten + ")";
  if (id.mode != "deterministic")
    key += "; cpu " + id.cpu + "; blas " + id.blas + "; threads " + std::to_string(id.torch_threads);
  if (id.device != "cpu") key += "; device " + id.device.substr(id.device.find(' ') + 1);  // the model, not the index
  return key;
}

std::string numerics_json(const NumericsIdentity& id) {
  return nlohmann::json{{"mode", id.mode},
                        {"cpu", id.cpu},
                        {"cpu_isa", id.cpu_isa},
                        {"loops", id.loops},
                        {"aten_capability", id.aten},
                        {"blas", id.blas},
                        {"libtorch", id.libtorch},
                        {"torch_threads", id.torch_threads},
                        {"kernel_threads", id.kernel_threads},
                        {"device", id.device},
                        {"rounding_key", rounding_key(id)}}
      .dump();
}

}  // namespace iwsi
