// Token choice from sorted candidates (pick.h): greedy, temperature, top-k, top-p, inverse CDF.
// Probabilities are exp(l / T - lse_scaled) in double, accumulated in the fixed candidate order, so
// the same logits and uniform always give the same token whatever else is in the batch.
#include "sample/pick.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace iwsi {

void sort_candidates(float* logits, int64_t* ids, int64_t count) {
  auto before = [](float la, int64_t ia, float lb, int64_t ib) { return la > lb || (la == lb && ia < ib); };
  if (count <= 256) {
    // Insertion sort: the device's top-k arrives already sorted by logit (ties in any order), so
    // this is linear in the common case and allocates nothing.
    for (int64_t r = 1; r < count; ++r) {
      const float l = logits[r];
      const int64_t i = ids[r];
      int64_t s = r;
      for (; s > 0 && before(l, i, logits[s - 1], ids[s - 1]); --s) logits[s] = logits[s - 1], ids[s] = ids[s - 1];
      logits[s] = l, ids[s] = i;
    }
    return;
  }
  // Sort a permutation, then apply it: the pairs live in two separate arrays.
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int64_t a, int64_t b) { return before(logits[a], ids[a], logits[b], ids[b]); });
  std::vector<float> l(static_cast<size_t>(count));
  std::vector<int64_t> i(static_cast<size_t>(count));
  for (int64_t r = 0; r < count; ++r) l[r] = logits[order[r]], i[r] = ids[order[r]];
  std::copy(l.begin(), l.end(), logits);
  std::copy(i.begin(), i.end(), ids);
}

int64_t pick_token(const Candidates& c, const SamplingParams& p, double u) {
  if (c.count <= 0) return -1;
  // Ranks are exact for candidates strictly above the smallest candidate logit: every token left
  // out has a logit <= that one, and ties with it may hide lower ids outside the candidates.
  int64_t known = c.count;
  if (!c.complete) {
    const float floor = c.logits[c.count - 1];
    known = 0;
    while (known < c.count && c.logits[known] > floor) ++known;
  }
  if (p.temperature == 0) return known > 0 ? c.ids[0] : -1;

  const double inv_t = 1.0 / p.temperature;
  auto prob = [&](int64_t r) { return std::exp(static_cast<double>(c.logits[r]) * inv_t - c.lse_scaled); };
  const int64_t unlimited = std::numeric_limits<int64_t>::max();

  // Top-k: the k first tokens of the order; their mass renormalizes what follows.
  int64_t keep = p.top_k > 0 ? p.top_k : unlimited;
  if (c.complete) keep = std::min(keep, c.count);
  double mass = 1.0;  // the whole distribution sums to 1 by definition of lse_scaled
  if (p.top_k > 0) {
    if (keep > known) return -1;
    mass = 0;
    for (int64_t r = 0; r < keep; ++r) mass += prob(r);
  }

  // Top-p: the smallest prefix whose renormalized mass reaches top_p.
  if (p.top_p < 1.0) {
    const double target = p.top_p * mass;
    double cum = 0;
    int64_t r = 0;
    for (; r < std::min(keep, known); ++r) {
      cum += prob(r);
      if (cum >= target) break;
    }
    if (r < std::min(keep, known)) {
      keep = r + 1;
      mass = cum;
    } else if (keep > known) {
      return -1;  // the nucleus reaches past the known ranks
    }  // else rounding left cum just below target over the whole kept set: keep it all
  }

  // Inverse CDF: the first token whose cumulative mass exceeds u * mass.
  const double target = u * mass;
  double cum = 0;
  for (int64_t r = 0; r < std::min(keep, known); ++r) {
    cum += prob(r);
    if (cum > target) return c.ids[r];
  }
  if (keep <= known) return c.ids[keep - 1];  // rounding: u * mass at the very top of the kept mass
  return -1;
}

double logsumexp_scaled(const float* logits, int64_t vocab, double temperature) {
  const double inv_t = temperature > 0 ? 1.0 / temperature : 1.0;
  double top = -std::numeric_limits<double>::infinity();
  for (int64_t v = 0; v < vocab; ++v) top = std::max(top, static_cast<double>(logits[v]) * inv_t);
  if (!std::isfinite(top)) return top;
  double sum = 0;
  for (int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(logits[v]) * inv_t - top);
  return top + std::log(sum);
}

int64_t pick_from_row(const float* logits, int64_t vocab, const SamplingParams& params, double u, double lse_scaled,
                      PickScratch& scratch) {
  scratch.logits.assign(logits, logits + vocab);
  scratch.ids.resize(static_cast<size_t>(vocab));
  std::iota(scratch.ids.begin(), scratch.ids.end(), 0);
  sort_candidates(scratch.logits.data(), scratch.ids.data(), vocab);
  Candidates c;
  c.logits = scratch.logits.data();
  c.ids = scratch.ids.data();
  c.count = vocab;
  c.complete = true;
  c.lse_scaled = std::isnan(lse_scaled) ? logsumexp_scaled(logits, vocab, params.temperature) : lse_scaled;
  return pick_token(c, params, u);
}

}  // namespace iwsi
