// What the CPU needs from one decode step's logits, reduced on the model's device so that only a
// few numbers per row cross to the CPU: the top candidates (raw logits and ids) and two
// log-normalizers (raw, for the sample's likelihood; temperature-scaled, for sampling). A row whose
// candidates do not decide (pick.h) is fetched whole, one row at a time, which is rare.
#pragma once

#include "model/torch_api.h"

#include <cstdint>

#include "sample/params.h"

namespace iwsi {

struct LogitSummary {
  torch::Tensor values;  // (R, K) float32 CPU: raw logits, descending (ties in any order)
  torch::Tensor ids;     // (R, K) int64 CPU
  torch::Tensor lse;     // (R, 2) float64 CPU: logsumexp(raw), logsumexp(raw / T) (= raw at T = 0 or 1)
  int64_t vocab = 0;
};

// Candidates per row: enough that the top-k set is known, and that greedy/low-temperature sampling
// almost never needs the whole row.
int64_t candidate_count(const SamplingParams& params, int64_t vocab);

// logits: (R, V) float32 on the model's device.
LogitSummary summarize_logits(const torch::Tensor& logits, const SamplingParams& params);

}  // namespace iwsi
