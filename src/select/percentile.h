// The exact percentile rule of ../shared/docs/IWSI.md section 3: sort all candidates by
// (score, question_index, sample_index) and keep the first floor(k/100 * n) (at least 1 when
// n > 0). The (question, sample) tie-break makes the result a function of the candidate set
// alone -- independent of input order and hence of how many MPI ranks produced it.
#pragma once

#include <cstdint>
#include <vector>

namespace iwsi {

struct Candidate {
  int64_t question_index = 0;
  int64_t sample_index = 0;
  double score = 0;
};

struct Selection {
  std::vector<int64_t> kept;  // indices into the input, in sorted (kept) order
  double threshold = 0;       // the score of the last kept candidate (sigma_k); 0 when none kept
};

// floor(k/100 * n), at least 1 when n > 0; throws "k must be in (0, 100], got ..." otherwise.
int64_t kept_count(int64_t n, double k);

// Throws unless 0 < k <= 100.
void check_percent(double k);

// Lowest scores first (DS weight, entropy). Throws on a non-finite score or a repeated
// (question, sample) pair, naming the candidate.
Selection keep_lowest_percent(const std::vector<Candidate>& candidates, double k);

// Highest scores first (self / reward-model scores); ties still by (question, sample) ascending.
Selection keep_highest_percent(const std::vector<Candidate>& candidates, double k);

}  // namespace iwsi
