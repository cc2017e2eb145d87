// The selection strategies of ../shared/docs/IWSI.md section 5 on a table of per-sample facts:
// none, lmsi, iwsi, entropy, self, rm, oracle, iwsi-w, and the official code's variants of two
// baselines (entropy-paper, self-paper) -> the rows to train on, a training
// weight per row (1 except iwsi-w) and a summary (kept count, sigma_k, question coverage,
// share correct). Pure functions on plain vectors; deliberately no MPI, model or files --
// scores arrive already computed in the rows.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "select/ds_weight.h"

namespace iwsi {

// One generated sample of one question.
struct CandidateRow {
  int64_t question_index = 0;
  int64_t sample_index = 0;
  bool parsed = false;               // an answer was extracted
  bool consistent = false;           // in D_c: parsed and equal to the majority answer
  std::optional<bool> correct;       // equals the gold answer, when gold is known
  std::optional<DsWeight> ds;        // for consistent rows; needed by iwsi and iwsi-w
  double question_entropy = 0;       // the question's normalized answer entropy (Vote::entropy)
  std::optional<double> parsed_entropy;  // parsed_answer_entropy of the question; entropy-paper
  std::optional<double> self_score;  // base model's 0-10 judgement; needed by "self", "self-paper"
  std::optional<double> rm_score;    // external reward model score; needed by "rm"
};

enum class Strategy { none, lmsi, iwsi, entropy, self, rm, oracle, iwsi_w, entropy_paper, self_paper };

// Every strategy in one table: its name (in options, file names and the selection file's attribute)
// and what it takes. The pipeline plan, the filter job and the selection rules all read this.
struct StrategyTraits {
  Strategy strategy;
  const char* name;
  bool uses_k;           // keeps the k% of D_c with the best score (iwsi, entropy, self, rm, *-paper)
  bool lowest_first;     // the best score is the lowest (iwsi: the DS weight; entropy)
  bool needs_weights;    // reads the weights file of `iwsi weigh` (iwsi, iwsi-w)
  bool needs_judgments;  // reads the judgments file of `iwsi judge` (self, self-paper)
  bool needs_rm_scores;  // reads a reward-model scores file (rm)
};
const std::vector<StrategyTraits>& strategy_table();  // in the order of the enum
const StrategyTraits& traits(Strategy strategy);
// "none, lmsi, ...": every name, for help texts and errors.
std::string strategy_names();
// The strategy called `name`; throws naming `what` and listing the valid names.
Strategy parse_strategy(const std::string& name, const std::string& what = "selection strategy");

struct StrategyOptions {
  Strategy strategy = Strategy::iwsi;
  double k = 80;              // percent kept by iwsi, entropy, self, rm; must be in (0, 100]
  double weight_cap = 2;      // C of iwsi-w: weight = min(w', C)
};

struct SelectionSummary {
  int64_t candidates = 0;  // rows given
  int64_t eligible = 0;    // rows the strategy chose among (parsed or D_c)
  int64_t kept = 0;
  std::optional<double> sigma_k;  // the score of the last kept row, percentile strategies only
  int64_t questions_covered = 0;  // questions with at least one kept row
  std::map<int64_t, int64_t> kept_per_question;
  std::optional<double> share_correct;  // among kept rows, when all of them have `correct`
};

struct StrategyResult {
  std::vector<int64_t> kept_rows;  // indices into the rows, ordered by (question, sample)
  std::vector<double> weights;     // training loss weight per kept row
  SelectionSummary summary;
};

// The paper variants keep ties at the threshold, as the official code's threshold comparisons do:
//  entropy-paper: D_c of the questions with at least two parsed answers; sigma_k = the question
//    entropy (parsed_entropy) of the last of the k% rows with the lowest; every question at or
//    below sigma_k is kept whole (so ties can keep more than k%).
//  self-paper: p = floor(k/100 n) rows by score, highest first, ties by (question, sample); when
//    the score after them is > 0 every row scoring at least that much is kept (more than p on
//    ties), else exactly the first p (filter_data.py, mode Self).
// Throws on k outside (0, 100], a repeated
// (question, sample), a consistent row that is not parsed, or a row missing the score the
// strategy needs (naming the candidate).
StrategyResult select_for_training(const std::vector<CandidateRow>& rows, const StrategyOptions& options);

// Sets rows[i].ds = ds_weight(losses[i], ...) for every consistent row; other rows' losses are
// ignored (they are never scored). A non-finite or non-positive loss throws naming the
// candidate (question, sample).
void fill_ds_weights(std::vector<CandidateRow>& rows, const std::vector<double>& losses, double valid_mean_loss,
                     DsCaps caps = DsCaps::none, DsSide side = DsSide::both);

}  // namespace iwsi
