// The loops behind cpu_elementwise.h. swiglu's loop is branch-free (exp_of_clamped, float selects)
// so that compilers vectorize it, and it is built for AVX2+FMA as well (cpu_loops.h); a vector lane
// performs exactly the operations the scalar code would, so the element's position does not matter.
#include "model/cpu_elementwise.h"

#include <cmath>

#include "core/error.h"
#include "model/cpu_loops.h"
#include "model/cpu_threads.h"

namespace iwsi {
namespace {

// silu(g) * u = g * sigmoid(g) * u with sigmoid(g) = 1 / (1 + e) for g >= 0 and e / (1 + e) below,
// e = exp(-|g|) (never overflows). NaN stays NaN (it is clamped to -87 for the exp, and g * 0 = NaN).
struct SwigluLoop {
  static IWSI_LOOP_INLINE void run(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      const float g = gate[i];
      const float minus_abs = g >= 0.0f ? -g : g;
      const float e = exp_of_clamped(minus_abs >= -87.0f ? minus_abs : -87.0f);
      const float sigmoid = (g >= 0.0f ? 1.0f : e) / (1.0f + e);
      out[i] = g * sigmoid * up[i];
    }
  }
};

bool defined_cpu_float32(const torch::Tensor& x) { return x.defined() && x.device().is_cpu() && x.scalar_type() == torch::kFloat32; }

}  // namespace

bool cpu_elementwise_applies(const torch::Tensor& x) { return !torch::GradMode::is_enabled() && defined_cpu_float32(x); }

torch::Tensor swiglu(const torch::Tensor& gate_in, const torch::Tensor& up_in) {
  IWSI_ASSERT(defined_cpu_float32(gate_in) && defined_cpu_float32(up_in) && gate_in.sizes() == up_in.sizes(),
             "swiglu: needs two float32 CPU tensors of one shape, got ", gate_in.sizes(), " and ",
             up_in.sizes());
  const torch::Tensor gate = gate_in.contiguous(), up = up_in.contiguous();
  torch::Tensor out = torch::empty_like(gate);
  const float* g = gate.data_ptr<float>();
  const float* u = up.data_ptr<float>();
  float* o = out.data_ptr<float>();
  parallel_for(0, gate.numel(), 16384, [&](int64_t begin, int64_t end) {
    run_for_this_cpu<SwigluLoop>(g + begin, u + begin, o + begin, end - begin);
  });
  return out;
}

std::pair<torch::Tensor, torch::Tensor> cos_sin(const torch::Tensor& angles_in) {
  IWSI_CHECK(defined_cpu_float32(angles_in), "cos_sin: needs a float32 CPU tensor");
  const torch::Tensor angles = angles_in.contiguous();
  torch::Tensor c = torch::empty_like(angles), s = torch::empty_like(angles);
  const float* a = angles.data_ptr<float>();
  float* cp = c.data_ptr<float>();
  float* sp = s.data_ptr<float>();
  for (int64_t i = 0; i < angles.numel(); ++i) cp[i] = std::cos(a[i]), sp[i] = std::sin(a[i]);
  return {c, s};
}

}  // namespace iwsi
