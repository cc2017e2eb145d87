// The selection strategies of ../shared/docs/IWSI.md section 5; see strategy.h. Every strategy except
// "none" starts from D_c (the consistent rows); the percentile ones then apply the exact rule
// of percentile.h to one score per row.
#include "select/strategy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "core/error.h"
#include "select/percentile.h"

namespace iwsi {
namespace {

std::string candidate_name(const CandidateRow& row) {
  return "candidate (question " + std::to_string(row.question_index) + ", sample " + std::to_string(row.sample_index) +
         ")";
}

void check_rows(const std::vector<CandidateRow>& rows) {
  std::set<std::pair<int64_t, int64_t>> seen;
  for (const CandidateRow& row : rows) {
    IWSI_CHECK(seen.emplace(row.question_index, row.sample_index).second, candidate_name(row),
               " appears more than once");
    IWSI_CHECK(row.parsed || !row.consistent, candidate_name(row), " is marked consistent but has no parsed answer");
  }
}

std::vector<int64_t> rows_where(const std::vector<CandidateRow>& rows, bool (*keep)(const CandidateRow&)) {
  std::vector<int64_t> chosen;
  for (size_t i = 0; i < rows.size(); ++i)
    if (keep(rows[i])) chosen.push_back(static_cast<int64_t>(i));
  return chosen;
}

// The score a percentile strategy ranks by; throws naming the candidate when it is missing.
double score_of(const CandidateRow& row, Strategy strategy) {
  if (strategy == Strategy::iwsi) {
    IWSI_CHECK(row.ds.has_value(), candidate_name(row), " has no DS weight (strategy iwsi)");
    return row.ds->w_ds;
  }
  if (strategy == Strategy::entropy) return row.question_entropy;
  if (strategy == Strategy::entropy_paper) {
    IWSI_CHECK(row.parsed_entropy.has_value(), candidate_name(row), " has no parsed-answer entropy (strategy entropy-paper)");
    return *row.parsed_entropy;
  }
  const bool self = strategy == Strategy::self || strategy == Strategy::self_paper;
  const std::optional<double>& score = self ? row.self_score : row.rm_score;
  IWSI_CHECK(score.has_value(), candidate_name(row), " has no ", traits(strategy).name, " score");
  return *score;
}

// The official code's rules (strategy.h): ties at the threshold are kept. `ranked` is the eligible
// rows' order by (score, question, sample), best first; `scores` by eligible position.
std::pair<std::vector<int64_t>, double> keep_with_ties(const std::vector<int64_t>& eligible,
                                                       const std::vector<double>& scores,
                                                       const std::vector<int64_t>& ranked, const StrategyOptions& options) {
  const auto n = static_cast<int64_t>(ranked.size());
  std::vector<int64_t> kept;
  if (options.strategy == Strategy::entropy_paper) {
    const double sigma = scores[ranked[kept_count(n, options.k) - 1]];
    for (int64_t position : ranked)
      if (scores[position] <= sigma) kept.push_back(eligible[position]);
    return {kept, sigma};
  }
  const auto p = static_cast<int64_t>(std::floor(options.k / 100.0 * static_cast<double>(n)));
  const double after = p < n ? scores[ranked[p]] : -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i)
    if (after > 0 ? scores[ranked[i]] >= after : i < p) kept.push_back(eligible[ranked[i]]);
  return {kept, kept.empty() ? 0.0 : scores[ranked[kept.size() - 1]]};
}

// Keeps the k% of `eligible` rows with the best score (lowest for iwsi / entropy).
std::pair<std::vector<int64_t>, double> keep_by_score(const std::vector<CandidateRow>& rows,
                                                      const std::vector<int64_t>& eligible,
                                                      const StrategyOptions& options) {
  std::vector<Candidate> candidates;
  for (int64_t i : eligible) {
    const CandidateRow& row = rows[i];
    const double score = score_of(row, options.strategy);
    IWSI_CHECK(std::isfinite(score), candidate_name(row), ": ", traits(options.strategy).name,
               " score must be finite, got ", score);
    candidates.push_back({row.question_index, row.sample_index, score});
  }
  if (candidates.empty()) return {{}, 0.0};
  const bool lowest_first = traits(options.strategy).lowest_first;
  if (options.strategy == Strategy::entropy_paper || options.strategy == Strategy::self_paper) {
    std::vector<double> scores;
    for (const Candidate& c : candidates) scores.push_back(c.score);
    const Selection all = lowest_first ? keep_lowest_percent(candidates, 100) : keep_highest_percent(candidates, 100);
    return keep_with_ties(eligible, scores, all.kept, options);
  }
  const Selection selection =
      lowest_first ? keep_lowest_percent(candidates, options.k) : keep_highest_percent(candidates, options.k);
  std::vector<int64_t> kept;
  for (int64_t position : selection.kept) kept.push_back(eligible[position]);
  return {kept, selection.threshold};
}

std::vector<double> training_weights(const std::vector<CandidateRow>& rows, const std::vector<int64_t>& kept,
                                     const StrategyOptions& options) {
  std::vector<double> weights(kept.size(), 1.0);
  if (options.strategy != Strategy::iwsi_w) return weights;
  IWSI_CHECK(std::isfinite(options.weight_cap) && options.weight_cap > 0, "weight_cap must be finite and > 0, got ",
             options.weight_cap);
  for (size_t i = 0; i < kept.size(); ++i) {
    const CandidateRow& row = rows[kept[i]];
    IWSI_CHECK(row.ds.has_value(), candidate_name(row), " has no DS weight (strategy iwsi-w)");
    weights[i] = std::min(row.ds->w_prime, options.weight_cap);
  }
  return weights;
}

SelectionSummary summarize(const std::vector<CandidateRow>& rows, const std::vector<int64_t>& kept) {
  SelectionSummary summary;
  summary.candidates = static_cast<int64_t>(rows.size());
  summary.kept = static_cast<int64_t>(kept.size());
  int64_t correct = 0;
  bool gold_known = !kept.empty();
  for (int64_t i : kept) {
    ++summary.kept_per_question[rows[i].question_index];
    gold_known = gold_known && rows[i].correct.has_value();
    if (rows[i].correct.value_or(false)) ++correct;
  }
  summary.questions_covered = static_cast<int64_t>(summary.kept_per_question.size());
  if (gold_known) summary.share_correct = static_cast<double>(correct) / static_cast<double>(kept.size());
  return summary;
}

}  // namespace

const std::vector<StrategyTraits>& strategy_table() {
  //                                 name      uses_k lowest weights judgments rm
  static const std::vector<StrategyTraits> table = {
      {Strategy::none, "none", false, false, false, false, false},
      {Strategy::lmsi, "lmsi", false, false, false, false, false},
      {Strategy::iwsi, "iwsi", true, true, true, false, false},
      {Strategy::entropy, "entropy", true, true, false, false, false},
      {Strategy::self, "self", true, false, false, true, false},
      {Strategy::rm, "rm", true, false, false, false, true},
      {Strategy::oracle, "oracle", false, false, false, false, false},
      {Strategy::iwsi_w, "iwsi-w", false, false, true, false, false},
      {Strategy::entropy_paper, "entropy-paper", true, true, false, false, false},
      {Strategy::self_paper, "self-paper", true, false, false, true, false},
  };
  return table;
}

const StrategyTraits& traits(Strategy strategy) { return strategy_table().at(static_cast<size_t>(strategy)); }

std::string strategy_names() {
  std::string names;
  for (const StrategyTraits& t : strategy_table()) names += (names.empty() ? "" : ", ") + std::string(t.name);
  return names;
}

Strategy parse_strategy(const std::string& name, const std::string& what) {
  for (const StrategyTraits& t : strategy_table())
    if (name == t.name) return t.strategy;
  fail("unknown ", what, " \"", name, "\" (valid: ", strategy_names(), ")");
}

StrategyResult select_for_training(const std::vector<CandidateRow>& rows, const StrategyOptions& options) {
  check_percent(options.k);
  check_rows(rows);
  const StrategyTraits& strategy = traits(options.strategy);
  const std::vector<int64_t> eligible =
      options.strategy == Strategy::none ? rows_where(rows, [](const CandidateRow& r) { return r.parsed; })
      : options.strategy == Strategy::entropy_paper
          ? rows_where(rows, [](const CandidateRow& r) { return r.consistent && r.parsed_entropy.has_value(); })
          : rows_where(rows, [](const CandidateRow& r) { return r.consistent; });
  std::vector<int64_t> kept = eligible;
  std::optional<double> sigma_k;
  if (strategy.uses_k) {
    auto [chosen, threshold] = keep_by_score(rows, eligible, options);
    kept = std::move(chosen);
    if (!kept.empty()) sigma_k = threshold;
  } else if (options.strategy == Strategy::oracle) {
    kept.clear();
    for (int64_t i : eligible) {
      IWSI_CHECK(rows[i].correct.has_value(), candidate_name(rows[i]), " has no gold correctness (strategy oracle)");
      if (*rows[i].correct) kept.push_back(i);
    }
  }
  std::sort(kept.begin(), kept.end(), [&](int64_t a, int64_t b) {
    return std::make_pair(rows[a].question_index, rows[a].sample_index) <
           std::make_pair(rows[b].question_index, rows[b].sample_index);
  });
  StrategyResult result{kept, training_weights(rows, kept, options), summarize(rows, kept)};
  result.summary.eligible = static_cast<int64_t>(eligible.size());
  result.summary.sigma_k = sigma_k;
  return result;
}

void fill_ds_weights(std::vector<CandidateRow>& rows, const std::vector<double>& losses, double valid_mean, DsCaps caps,
                     DsSide side) {
  IWSI_ASSERT(losses.size() == rows.size(), "fill_ds_weights: ", losses.size(), " losses for ", rows.size(), " rows");
  IWSI_CHECK(std::isfinite(valid_mean) && valid_mean > 0, "valid mean loss must be finite and > 0, got ", valid_mean);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].consistent) continue;
    IWSI_CHECK(std::isfinite(losses[i]) && losses[i] > 0, candidate_name(rows[i]),
               ": loss must be finite and > 0, got ", losses[i]);
    rows[i].ds = ds_weight(losses[i], valid_mean, caps, side);
  }
}

}  // namespace iwsi
