// The exact percentile rule; see percentile.h.
#include "select/percentile.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

#include "core/error.h"

namespace iwsi {
namespace {

enum class Order { lowest_first, highest_first };

void check_candidates(const std::vector<Candidate>& candidates) {
  for (const Candidate& c : candidates)
    IWSI_CHECK(std::isfinite(c.score), "candidate (question ", c.question_index, ", sample ", c.sample_index,
               "): score must be finite, got ", c.score);
}

Selection keep_percent(const std::vector<Candidate>& candidates, double k, Order order) {
  check_percent(k);
  check_candidates(candidates);
  std::vector<int64_t> sorted(candidates.size());
  std::iota(sorted.begin(), sorted.end(), int64_t{0});
  auto key = [&](int64_t i) {
    const Candidate& c = candidates[i];
    return std::make_tuple(order == Order::lowest_first ? c.score : -c.score, c.question_index, c.sample_index);
  };
  std::sort(sorted.begin(), sorted.end(), [&](int64_t a, int64_t b) { return key(a) < key(b); });
  for (size_t i = 1; i < sorted.size(); ++i) {
    const Candidate& a = candidates[sorted[i - 1]];
    const Candidate& b = candidates[sorted[i]];
    IWSI_CHECK(a.question_index != b.question_index || a.sample_index != b.sample_index, "candidate (question ",
               b.question_index, ", sample ", b.sample_index, ") appears more than once");
  }
  sorted.resize(kept_count(static_cast<int64_t>(candidates.size()), k));
  Selection selection;
  selection.kept = std::move(sorted);
  if (!selection.kept.empty()) selection.threshold = candidates[selection.kept.back()].score;
  return selection;
}

}  // namespace

void check_percent(double k) { IWSI_CHECK(k > 0 && k <= 100, "k must be in (0, 100], got ", k); }

int64_t kept_count(int64_t n, double k) {
  check_percent(k);
  if (n <= 0) return 0;
  // k * n first, then / 100: exact for integer k (29 * 100 / 100 == 29, whereas
  // 0.29 * 100 == 28.999...). The tiny nudge only absorbs rounding of decimal k like 33.3.
  const double exact = k * static_cast<double>(n) / 100.0;
  const auto count = static_cast<int64_t>(std::floor(exact + 1e-9));
  return std::clamp<int64_t>(count, 1, n);
}

Selection keep_lowest_percent(const std::vector<Candidate>& candidates, double k) {
  return keep_percent(candidates, k, Order::lowest_first);
}

Selection keep_highest_percent(const std::vector<Candidate>& candidates, double k) {
  return keep_percent(candidates, k, Order::highest_first);
}

}  // namespace iwsi
