// Self-consistency for one question (../shared/docs/IWSI.md section 1 step 2): the majority answer over
// the parsable samples (ties -> the answer seen first), how many agree, and the normalized
// answer entropy used by the entropy baseline (section 5). Pure function of the answers;
// deliberately no knowledge of where the samples came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iwsi {

struct Vote {
  std::optional<std::string> majority;  // nullopt when no sample was parsable
  int64_t majority_count = 0;           // samples whose answer equals the majority
  int64_t parsed = 0;                   // samples with an answer
  double entropy = 0;                   // u / log(m) over all m samples, unparsable as one bucket; 0 when m <= 1
  double vote_share = 0;                // majority_count / m (0 when m == 0)
};

// `answers`: one question's m samples in sample order, nullopt = unparsable. Answers are
// compared as strings, so they must already be canonical (extract_answer gives that).
Vote majority_vote(const std::vector<std::optional<std::string>>& answers);

// The entropy of the official code's Entropy filter (github.com/rubickkcibur/IWSI, filter_data.py):
// over the parsed answers only, -sum p log p normalised by log(number parsed) (not by the number of
// distinct answers); nullopt when fewer than two samples parsed, where the official code drops the
// question. Used by the entropy-paper strategy; `Vote::entropy` is ours.
std::optional<double> parsed_answer_entropy(const std::vector<std::optional<std::string>>& answers);

// Which samples are in D_c: parsable and equal to the majority answer.
std::vector<bool> consistent_samples(const std::vector<std::optional<std::string>>& answers, const Vote& vote);

}  // namespace iwsi
