// Device-side reduction of a step's logits (logit_summary.h): one topk and one or two logsumexp,
// batched over rows, then two small copies to the CPU.
#include "sample/logit_summary.h"

#include <algorithm>

namespace iwsi {

int64_t candidate_count(const SamplingParams& params, int64_t vocab) {
  // Greedy needs the maximum and one more to see a tie; sampling at T ~ 1 rarely reaches past a few
  // dozen tokens of a language model's distribution; top-k needs k known ranks (+1 to see a tie).
  int64_t k = params.temperature == 0 ? 4 : 64;
  if (params.top_k > 0) k = std::max(k, params.top_k + 1);
  return std::min(k, vocab);
}

LogitSummary summarize_logits(const torch::Tensor& logits, const SamplingParams& params) {
  torch::NoGradGuard no_grad;
  const int64_t V = logits.size(1);
  LogitSummary s;
  s.vocab = V;
  auto top = torch::topk(logits, candidate_count(params, V), /*dim=*/-1, /*largest=*/true, /*sorted=*/true);
  // Normalizers in double: the sample's log-likelihood sums one per token, and sampling compares
  // cumulative probabilities against the uniform with no float32 drift.
  torch::Tensor wide = logits.to(torch::kFloat64);  // (R, V)
  torch::Tensor lse_raw = wide.logsumexp(-1);        // (R)
  const double t = params.temperature;
  torch::Tensor lse_scaled = (t == 0 || t == 1) ? lse_raw : (wide * (1.0 / t)).logsumexp(-1);  // (R)
  s.lse = torch::stack({lse_raw, lse_scaled}, 1).to(torch::kCPU).contiguous();  // (R, 2)
  s.values = std::get<0>(top).to(torch::kCPU).contiguous();                      // (R, K)
  s.ids = std::get<1>(top).to(torch::kCPU).contiguous();                         // (R, K)
  return s;
}

}  // namespace iwsi
