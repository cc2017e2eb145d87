// What decides the rounding of a rank's results, pinned at start-up and recorded in every output.
//
// deterministic (the default): the same bits on every x86-64 CPU with AVX2 and FMA (Intel since
// Haswell, AMD since Zen), for any thread count and whatever OPENBLAS_CORETYPE or
// ATEN_CPU_CAPABILITY the environment sets:
//  - float32 matrix products, attention, SwiGLU and RoPE angles run through our own loops
//    (model/invariant_linear.h, cpu_attention.h, cpu_elementwise.h), in inference and in training,
//    never through BLAS (whose kernels, blocking and threading differ by CPU);
//  - libtorch's own CPU kernels are pinned to their AVX2 build (ATEN_CPU_CAPABILITY=avx2, set for
//    this process before its first tensor op) and run on one thread, since libtorch's reductions
//    split their input by thread count; our loops use the rank's threads (model/cpu_threads.h).
//  On a CPU without AVX2+FMA both fall back to their baseline builds: deterministic there too, but
//  other bits, and the recorded identity says so.
// native: libtorch and OpenBLAS pick their kernels and use every thread (our loops still serve
//  float32 products); faster on many cores, but results differ across CPU types and thread counts.
//
// On a GPU, rounding is decided by the GPU model and the CUDA/cuBLAS versions, recorded as well.
#pragma once

#include "model/torch_api.h"

#include <string>

namespace iwsi {

enum class NumericsMode { deterministic, native };

// "deterministic" / "native"; anything else throws naming `what`.
NumericsMode parse_numerics_mode(const std::string& name, const std::string& what);
const char* numerics_mode_name(NumericsMode mode);

// Pins what `mode` fixes and sets the threads (libtorch, OpenBLAS, our loops). Must run before the
// process's first libtorch tensor op: libtorch reads ATEN_CPU_CAPABILITY once, at its first dispatch.
void pin_numerics(NumericsMode mode, int threads);

// The numerics a rank runs with. Strings as the libraries report them.
struct NumericsIdentity {
  std::string mode;        // "deterministic" | "native"
  std::string cpu;         // /proc/cpuinfo "model name"
  std::string cpu_isa;     // the x86-64 extensions that matter here, e.g. "avx2 fma avx512f"
  std::string loops;       // which build of our loops runs: "avx2-fma" or "baseline"
  std::string aten;        // libtorch's CPU capability in use: "AVX2", "AVX512", "NO AVX"
  std::string blas;        // openblas_get_config() (+ core), or what else is known
  std::string libtorch;    // "1.13.1"
  int torch_threads = 1;   // libtorch intra-op threads
  int kernel_threads = 1;  // our loops' threads
  std::string device;      // "cpu", or "cuda:0 NVIDIA H200 (CUDA runtime 12040, cuBLAS 12.4.5, NCCL 2.22.3)"
};

NumericsIdentity numerics_identity(NumericsMode mode, torch::Device device);

// The part of the identity that decides the bits of a result, as one line: two runs with equal keys
// produce equal results. deterministic on the CPU: the mode, our loops' build, libtorch's capability
// and version (not the CPU model, not the threads); native: everything; a GPU: its name and the
// CUDA/cuBLAS versions too.
std::string rounding_key(const NumericsIdentity& identity);

// One JSON object with every field (the `numerics` attribute of each output file).
std::string numerics_json(const NumericsIdentity& identity);

}  // namespace iwsi
