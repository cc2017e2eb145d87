// Names and range checks of the sampling parameters (params.h).
// The checks run once per generate() call, so a bad option fails before any model work with a
// message naming the field.
#include "sample/params.h"

#include <cmath>

#include "core/error.h"

namespace iwsi {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::eos: return "eos";
    case FinishReason::stop_token: return "stop_token";
    case FinishReason::stop_string: return "stop_string";
    case FinishReason::length: return "length";
  }
  return "unknown";
}

void check_sampling_params(const SamplingParams& p) {
  IWSI_CHECK(std::isfinite(p.temperature) && p.temperature >= 0, "sampling: temperature must be >= 0, got ",
             p.temperature);
  IWSI_CHECK(p.top_k >= 0, "sampling: top_k must be >= 0 (0 = off), got ", p.top_k);
  IWSI_CHECK(p.top_p > 0 && p.top_p <= 1, "sampling: top_p must be in (0, 1] (1 = off), got ", p.top_p);
  IWSI_CHECK(p.max_new_tokens >= 0, "sampling: max_new_tokens must be >= 0, got ", p.max_new_tokens);
  IWSI_CHECK(p.max_length >= 0, "sampling: max_length must be >= 0 (0 = off), got ", p.max_length);
  for (const std::string& s : p.stop_strings) IWSI_CHECK(!s.empty(), "sampling: a stop string is empty");
}

}  // namespace iwsi
