// The loops behind cpu_attention.h. The inner loops run over fixed blocks of kLanes floats (over D
// for the q.k dot products and the sums of V, over keys for the softmax's exp), so compilers vectorize
// them at -O2 too and without reassociating float sums; on x86-64 the per-head loops are also built
// for AVX2+FMA and that build is used where the CPU has it (cpu_loops.h). Deliberately no SIMD
// intrinsics and no torch ops inside the loops (those cost more than the work at decode sizes).
#include "model/cpu_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "model/cpu_loops.h"
#include "model/cpu_threads.h"

namespace iwsi {
namespace {

constexpr int64_t kLanes = 8;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

int64_t round_up_to_lanes(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

// Raw views of the operands: element pointers and strides in elements.
struct AttentionOperands {
  const float* q;                  // (B, H, T, D)
  int64_t q_b, q_h, q_t;
  const float* k;                  // (B, Hkv, Tk, D)
  int64_t k_b, k_h, k_t;
  const float* v;                  // (B, Hkv, Tk, D)
  int64_t v_b, v_h, v_t;
  const bool* valid;               // (B, Tk) or null (all valid)
  int64_t valid_b, valid_t;
  float* out;                      // (B, T, H * D) contiguous
  int64_t H, G, T, Tk, D, past;
};

// sum_d a[d] * b[d] as kLanes partial sums added in a fixed order: a plain running float sum would
// not vectorize (compilers may not reassociate it), and the fixed order keeps results deterministic.
IWSI_LOOP_INLINE float dot(const float* a, const float* b, int64_t D) {
  float lanes[kLanes] = {};
  int64_t d = 0;
  for (; d + kLanes <= D; d += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lanes[l] += a[d + l] * b[d + l];
  float tail = 0;
  for (; d < D; ++d) tail += a[d] * b[d];
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])) + tail;
}

// out[d] = scale * sum_{j < n} w[j] * rows[j * stride + d], D in blocks of kLanes. A block's sums stay
// in registers over all rows (rows are re-read per block, from L1), in four independent chains over
// j mod 4: one chain would wait for each multiply-add to finish before starting the next. Reading
// everything before writing `out` lets the compiler vectorize without checking for overlap.
IWSI_LOOP_INLINE void weighted_row_sum(const float* w, const float* rows, int64_t stride, int64_t n, int64_t D,
                                       float scale, float* out) {
  int64_t d = 0;
  for (; d + kLanes <= D; d += kLanes) {
    float acc0[kLanes] = {}, acc1[kLanes] = {}, acc2[kLanes] = {}, acc3[kLanes] = {};
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const float* r = rows + j * stride + d;
      for (int64_t l = 0; l < kLanes; ++l) {
        acc0[l] += w[j] * r[l];
        acc1[l] += w[j + 1] * r[stride + l];
        acc2[l] += w[j + 2] * r[2 * stride + l];
        acc3[l] += w[j + 3] * r[3 * stride + l];
      }
    }
    for (; j < n; ++j)
      for (int64_t l = 0; l < kLanes; ++l) acc0[l] += w[j] * rows[j * stride + d + l];
    for (int64_t l = 0; l < kLanes; ++l) out[d + l] = ((acc0[l] + acc1[l]) + (acc2[l] + acc3[l])) * scale;
  }
  for (; d < D; ++d) {
    float acc = 0;
    for (int64_t j = 0; j < n; ++j) acc += w[j] * rows[j * stride + d];
    out[d] = acc * scale;
  }
}

// scores[j] <- exp(scores[j] - max) over `padded` entries (a multiple of kLanes), where -inf and
// anything below max - 87 give exactly 0; returns their sum, or NaN when a score was NaN or +inf (as
// torch's softmax, whose weights are then NaN).
IWSI_LOOP_INLINE float exp_shifted_and_sum(float* scores, float max, int64_t padded) {
  // The clamp in a loop of its own, for the same if-conversion reason: in one loop with the exp, the
  // compiler moves the following multiply into the conditional. It maps NaN to -87 too (no undefined
  // float-to-int conversion below); `probe` remembers it: a sum of values <= 0 is NaN only if one was.
  float probe[kLanes] = {};
  for (int64_t j = 0; j < padded; j += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) {
      const float x = scores[j + l] - max;
      probe[l] += x;
      scores[j + l] = x >= -87.0f ? x : -87.0f;
    }
  float lanes[kLanes] = {};
  for (int64_t j = 0; j < padded; j += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) {
      const float e = exp_of_clamped(scores[j + l]);
      scores[j + l] = e;
      lanes[l] += e;
    }
  const float nan_or_not = ((probe[0] + probe[4]) + (probe[1] + probe[5])) + ((probe[2] + probe[6]) + (probe[3] + probe[7]));
  if (std::isnan(nan_or_not)) return nan_or_not;
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}

// One (batch row b, KV head g): its G query heads h = g*G + i for every new query t. Keys before the
// row's first valid one (left padding) are skipped outright, so that the lanes of the sums below
// count from that key whatever the padding.
// scratch: round_up_to_lanes(Tk) floats.
IWSI_LOOP_INLINE void attend_kv_head(const AttentionOperands& a, int64_t b, int64_t g, float* scratch) {
  const int64_t G = a.G, D = a.D, Tk = a.Tk;
  const bool* valid = a.valid ? a.valid + b * a.valid_b : nullptr;
  int64_t first = 0;
  if (valid)
    while (first < Tk && !valid[first * a.valid_t]) ++first;
  const float* keys = a.k + b * a.k_b + g * a.k_h + first * a.k_t;
  const float* values = a.v + b * a.v_b + g * a.v_h;
  float* s = scratch;  // scores of keys first, first+1, ..., then unnormalized weights
  for (int64_t t = 0; t < a.T; ++t) {
    const int64_t n = std::max<int64_t>(0, std::min(Tk, a.past + t + 1) - first);  // causal: keys [first, first+n)
    const int64_t padded = round_up_to_lanes(n);
    for (int64_t i = 0; i < G; ++i) {
      const float* q = a.q + b * a.q_b + (g * G + i) * a.q_h + t * a.q_t;  // (D)
      float* out = a.out + ((b * a.T + t) * a.H + g * G + i) * D;         // (D)
      // Scores; masked keys get -inf, whose exp below is exactly 0.
      float max = kMinusInf;
      int64_t allowed = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (valid && !valid[(first + j) * a.valid_t]) {
          s[j] = kMinusInf;
          continue;
        }
        // V is read right after the scores: fetching its row now overlaps the memory latency with
        // this pass (at batch 64 the cache outgrows L2, and the kernel waits on memory).
        IWSI_PREFETCH(values + (first + j) * a.v_t);
        IWSI_PREFETCH(values + (first + j) * a.v_t + D - 1);
        s[j] = dot(q, keys + j * a.k_t, D);
        max = std::max(max, s[j]);
        ++allowed;
      }
      if (allowed == 0) {
        // No key allowed: every score was the mask's lowest float in the torch path, hence uniform
        // weights over all Tk keys.
        std::fill(s, s + round_up_to_lanes(Tk), kMinusInf);
        std::fill(s, s + Tk, 0.0f);
        const float inv_sum = 1.0f / exp_shifted_and_sum(s, 0.0f, round_up_to_lanes(Tk));
        weighted_row_sum(s, values, a.v_t, Tk, D, inv_sum, out);
        continue;
      }
      std::fill(s + n, s + padded, kMinusInf);
      const float inv_sum = 1.0f / exp_shifted_and_sum(s, max, padded);
      weighted_row_sum(s, values + first * a.v_t, a.v_t, n, D, inv_sum, out);
    }
  }
}

struct AttendKvHead {
  static IWSI_LOOP_INLINE void run(const AttentionOperands& a, int64_t b, int64_t g, float* scratch) {
    attend_kv_head(a, b, g, scratch);
  }
};

void check_operands(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                    const torch::Tensor& key_valid, int64_t past) {
  for (const torch::Tensor* x : {&q, &keys, &values}) {
    IWSI_ASSERT(x->defined() && x->dim() == 4 && x->scalar_type() == torch::kFloat32 && x->device().is_cpu() &&
                   x->stride(3) == 1,
               "cpu_attention: q, keys and values must be 4-d float32 CPU tensors with unit stride over D");
  }
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  const int64_t Hkv = keys.size(1), Tk = keys.size(2);
  IWSI_ASSERT(keys.sizes() == values.sizes() && keys.size(0) == B && keys.size(3) == D && Hkv > 0 && H % Hkv == 0,
             "cpu_attention: q ", q.sizes(), " does not fit keys ", keys.sizes(), " / values ", values.sizes());
  IWSI_CHECK(past >= 0 && past + T <= Tk, "cpu_attention: queries at [", past, ", ", past + T,
             ") lie outside the ", Tk, " keys");
  if (key_valid.defined()) {
    IWSI_ASSERT(key_valid.scalar_type() == torch::kBool && key_valid.device().is_cpu() && key_valid.dim() == 2 &&
                   key_valid.size(0) == B && key_valid.size(1) == Tk,
               "cpu_attention: key_valid must be a (", B, ", ", Tk, ") bool CPU tensor, got ", key_valid.sizes());
  }
}

}  // namespace

bool cpu_attention_applies(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values) {
  auto fits = [](const torch::Tensor& x) {
    return x.defined() && x.dim() == 4 && x.device().is_cpu() && x.scalar_type() == torch::kFloat32 &&
           x.stride(3) == 1;
  };
  return !torch::GradMode::is_enabled() && fits(q) && fits(keys) && fits(values);
}

torch::Tensor cpu_attention(const torch::Tensor& q, const torch::Tensor& keys, const torch::Tensor& values,
                            const torch::Tensor& key_valid, int64_t past) {
  check_operands(q, keys, values, key_valid, past);
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  const int64_t Hkv = keys.size(1), Tk = keys.size(2);
  torch::Tensor out = torch::empty({B, T, H * D}, q.options());  // (B, T, H*D)
  AttentionOperands a{q.data_ptr<float>(), q.stride(0), q.stride(1), q.stride(2),
                      keys.data_ptr<float>(), keys.stride(0), keys.stride(1), keys.stride(2),
                      values.data_ptr<float>(), values.stride(0), values.stride(1), values.stride(2),
                      key_valid.defined() ? key_valid.data_ptr<bool>() : nullptr,
                      key_valid.defined() ? key_valid.stride(0) : 0, key_valid.defined() ? key_valid.stride(1) : 0,
                      out.data_ptr<float>(), H, H / Hkv, T, Tk, D, past};
  // Tasks of a few thousand multiply-adds each: enough of them per thread to amortize the hand-off.
  const int64_t task_work = std::max<int64_t>(1, (H / Hkv) * T * Tk * D);
  const int64_t grain = std::max<int64_t>(1, 32768 / task_work);
  parallel_for(0, B * Hkv, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(round_up_to_lanes(Tk));
    for (int64_t task = begin; task < end; ++task)
      run_for_this_cpu<AttendKvHead>(a, task / Hkv, task % Hkv, scratch.data());
  });
  return out;
}

}  // namespace iwsi
