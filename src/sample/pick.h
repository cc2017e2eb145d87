// The choice of one token from one row's logits, given one uniform number: greedy, or temperature,
// then top-k, then top-p (nucleus), then inverse-CDF sampling in a fixed token order (probability
// descending, ties by lowest id). Works on a row's few highest logits (the "candidates" that the
// device sends, logit_summary.h) and says when they are not enough to decide, so the caller can
// retry with the whole row; the answer never depends on how many candidates were sent.
#pragma once

#include <cstdint>
#include <vector>

#include "sample/params.h"

namespace iwsi {

// Why inverse-CDF with one uniform rather than Gumbel-max: one counter-based uniform per step instead
// of one per vocabulary entry, and in probability-descending order the decision is almost always made
// within the first few tokens, so the device sends only the top candidates (not the whole vocabulary)
// to the CPU; top-k and top-p need that same order anyway. As T -> 0 it tends to greedy.

// One row's highest logits, sorted by logit descending then id ascending (sort_candidates).
struct Candidates {
  const float* logits = nullptr;  // (count) raw logits (before temperature)
  const int64_t* ids = nullptr;   // (count)
  int64_t count = 0;
  bool complete = false;          // the whole vocabulary is here (count == V)
  double lse_scaled = 0;          // logsumexp(raw logit / T) over the WHOLE vocabulary (unused at T = 0)
};

// Sorts (logits, ids) pairs in place by logit descending, then id ascending.
void sort_candidates(float* logits, int64_t* ids, int64_t count);

// The chosen token id for uniform u in [0, 1), or -1 when the candidates do not decide (the decision
// reaches tokens whose rank is unknown: the tail outside the candidates, or ties with the smallest
// candidate logit). With complete candidates it always decides.
int64_t pick_token(const Candidates& candidates, const SamplingParams& params, double u);

// The same decision from a whole logits row (V) in id order. lse_scaled: the device's value (so the
// answer agrees with the candidate path exactly), or NaN to compute it here in double precision.
// `scratch` is reused between calls to avoid allocations.
struct PickScratch {
  std::vector<float> logits;
  std::vector<int64_t> ids;
};
int64_t pick_from_row(const float* logits, int64_t vocab, const SamplingParams& params, double u, double lse_scaled,
                      PickScratch& scratch);

// logsumexp(logits / T) in double (T = 1 when temperature is 0).
double logsumexp_scaled(const float* logits, int64_t vocab, double temperature);

}  // namespace iwsi
