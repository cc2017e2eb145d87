// What the hand-written CPU loops (cpu_attention.cc, cpu_elementwise.cc, invariant_linear.cc) share:
// a vectorizable exp, forced inlining, so that each build of a kernel (the baseline one and, on
// x86-64 with GCC or Clang, an AVX2+FMA one picked at run time) vectorizes its helpers for its own
// instruction set, and that run-time pick.
#pragma once

#ifdef __FAST_MATH__
#error "the CPU kernels rely on IEEE float semantics and a fixed summation order; build them without -ffast-math"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define IWSI_LOOP_INLINE inline __attribute__((always_inline))
#define IWSI_PREFETCH(address) __builtin_prefetch(address)
#else
#define IWSI_LOOP_INLINE inline
#define IWSI_PREFETCH(address)
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define IWSI_HAVE_AVX2_BUILD 1
#define IWSI_AVX2_BUILD __attribute__((target("avx2,fma")))
#endif

#include <cstdint>
#include <cstring>

namespace iwsi {

// Whether this CPU runs the AVX2+FMA builds (decided once per process).
inline bool cpu_has_avx2_fma() {
#ifdef IWSI_HAVE_AVX2_BUILD
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return avx2;
#else
  return false;
#endif
}

// Loop::run(args...), a static IWSI_LOOP_INLINE function, compiled twice: for the baseline
// instruction set and for AVX2+FMA.
template <class Loop, class... Args>
void baseline_build(const Args&... args) {
  Loop::run(args...);
}

#ifdef IWSI_HAVE_AVX2_BUILD
template <class Loop, class... Args>
IWSI_AVX2_BUILD void avx2_build(const Args&... args) {
  Loop::run(args...);
}
#endif

// Runs the build of Loop::run for this CPU.
template <class Loop, class... Args>
void run_for_this_cpu(const Args&... args) {
#ifdef IWSI_HAVE_AVX2_BUILD
  if (cpu_has_avx2_fma()) return avx2_build<Loop>(args...);
#endif
  baseline_build<Loop>(args...);
}

// exp(x) for x in [-87, 0] (a score minus its row's max, clamped), and 0 for x = -87: exp(x) = 2^n exp(r)
// with n = round(x / ln 2), |r| <= ln(2)/2 and exp(r) by its Taylor polynomial of degree 7 (truncation
// error < 1e-8 relative, below float rounding). Branch-free, so that a block of calls vectorizes.
IWSI_LOOP_INLINE float exp_of_clamped(float x) {
  const int32_t n = static_cast<int32_t>(x * 1.44269504f - 0.5f);  // truncating a value <= 0: nearest
  const float nf = static_cast<float>(n);
  const float r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;  // x - n ln2, ln2 split in two parts
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (n + 127) << 23;  // 2^n as a float: n >= -126 after the clamp
  float two_n;
  std::memcpy(&two_n, &bits, sizeof two_n);
  // A multiply rather than `x > -87 ? p * two_n : 0`: a float operation inside a conditional is not
  // if-converted (it could trap), which would leave the whole loop scalar.
  const float keep = x > -87.0f ? 1.0f : 0.0f;
  return keep * (p * two_n);
}

}  // namespace iwsi
