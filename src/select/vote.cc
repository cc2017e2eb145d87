// Majority vote and answer entropy; see vote.h.
#include "select/vote.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace iwsi {

Vote majority_vote(const std::vector<std::optional<std::string>>& answers) {
  // Buckets in order of first appearance, so a strict ">" below keeps the earliest on ties.
  std::vector<int64_t> bucket_counts;
  std::vector<const std::string*> bucket_answers;
  std::unordered_map<std::string, size_t> bucket_of;
  int64_t unparsable = 0;
  for (const auto& answer : answers) {
    if (!answer) {
      ++unparsable;
      continue;
    }
    const auto [it, inserted] = bucket_of.emplace(*answer, bucket_counts.size());
    if (inserted) {
      bucket_counts.push_back(0);
      bucket_answers.push_back(&*answer);
    }
    ++bucket_counts[it->second];
  }
  Vote vote;
  const auto m = static_cast<int64_t>(answers.size());
  vote.parsed = m - unparsable;
  for (size_t b = 0; b < bucket_counts.size(); ++b) {
    if (bucket_counts[b] > vote.majority_count) {
      vote.majority_count = bucket_counts[b];
      vote.majority = *bucket_answers[b];
    }
  }
  if (m > 0) vote.vote_share = static_cast<double>(vote.majority_count) / static_cast<double>(m);
  if (m > 1) {
    double u = 0;
    auto add_bucket = [&](int64_t count) {
      if (count == 0) return;
      const double p = static_cast<double>(count) / static_cast<double>(m);
      u -= p * std::log(p);
    };
    for (int64_t count : bucket_counts) add_bucket(count);
    add_bucket(unparsable);
    vote.entropy = u / std::log(static_cast<double>(m));
  }
  return vote;
}

std::optional<double> parsed_answer_entropy(const std::vector<std::optional<std::string>>& answers) {
  std::unordered_map<std::string, int64_t> counts;
  int64_t parsed = 0;
  for (const auto& answer : answers)
    if (answer) ++counts[*answer], ++parsed;
  if (parsed < 2) return std::nullopt;
  // Summed in sorted order of the counts, so the value does not depend on the map's iteration order.
  std::vector<int64_t> sizes;
  for (const auto& [answer, count] : counts) sizes.push_back(count);
  std::sort(sizes.begin(), sizes.end());
  double u = 0;
  for (int64_t count : sizes) {
    const double p = static_cast<double>(count) / static_cast<double>(parsed);
    u -= p * std::log(p);
  }
  return u / std::log(static_cast<double>(parsed));
}

std::vector<bool> consistent_samples(const std::vector<std::optional<std::string>>& answers, const Vote& vote) {
  std::vector<bool> consistent(answers.size(), false);
  if (!vote.majority) return consistent;
  for (size_t j = 0; j < answers.size(); ++j) consistent[j] = answers[j] && *answers[j] == *vote.majority;
  return consistent;
}

}  // namespace iwsi
