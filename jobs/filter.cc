// `iwsi filter`: the training set of one strategy (../shared/docs/IWSI.md sections 3 and 5) from a candidate
// file and, for iwsi / iwsi-w, its weights file; the k-percentile rule is exact and the same for
// any rank count (every rank computes the whole selection; ranks only share the writing).
// Output: the kept candidate rows with their training weights and a summary (schema iwsi.selection).
#include <cmath>
#include <limits>
#include <algorithm>
#include <map>

#include "core/log.h"
#include "data/json_records.h"
#include "dist/shard.h"
#include "job.h"
#include "pipeline/candidates_file.h"
#include "pipeline/judgments_file.h"
#include "pipeline/selection_file.h"
#include "pipeline/weights_file.h"
#include "select/strategy.h"
#include "select/vote.h"
#include "store/attributes.h"
#include "store/output_claim.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::filter {  // named, not anonymous: jobs/ compiles as one unity file

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

void describe(po::options_description& options) {
  options.add_options()
      ("filter.candidates", po::value<std::string>()->required(), "candidate file written by iwsi generate")
      ("filter.weights", po::value<std::string>()->default_value(""), "weights file written by iwsi weigh (iwsi, iwsi-w)")
      ("filter.judgments", po::value<std::string>()->default_value(""), "judgments file written by iwsi judge (self)")
      ("filter.output", po::value<std::string>()->required(), "selection file to write (HDF5)")
      ("filter.strategy", po::value<std::string>()->default_value("iwsi"), ("one of: " + strategy_names() + " (entropy-paper, self-paper: the official code's rules)").c_str())
      ("filter.k", po::value<double>()->default_value(80.0), "percent kept by iwsi, entropy, self, rm and the *-paper strategies, in (0, 100]")
      ("filter.weight_cap", po::value<double>()->default_value(2.0), "C of iwsi-w: loss weight min(w', C)")
      ("filter.rm_scores", po::value<std::string>()->default_value(""), "JSONL of {\"question\": i, \"sample\": j, \"score\": x} (rm)");
}

// (question, sample) -> score from the reward-model file; every line checked.
std::map<std::pair<int64_t, int64_t>, double> read_rm_scores(const std::string& path) {
  std::map<std::pair<int64_t, int64_t>, double> scores;
  std::map<std::pair<int64_t, int64_t>, int64_t> lines;
  for (const JsonRecord& record : read_jsonl(path)) {
    const nlohmann::json& v = record.value;
    IWSI_CHECK(v.is_object() && v.contains("question") && v.contains("sample") && v.contains("score") &&
                   v["question"].is_number_integer() && v["sample"].is_number_integer() && v["score"].is_number(),
               path, ":", record.line, ": expected {\"question\": int, \"sample\": int, \"score\": number}");
    const double score = v["score"].get<double>();
    IWSI_CHECK(std::isfinite(score), path, ":", record.line, ": score is not finite");
    const std::pair<int64_t, int64_t> key{v["question"].get<int64_t>(), v["sample"].get<int64_t>()};
    const auto [at, fresh] = lines.emplace(key, record.line);
    IWSI_CHECK(fresh, path, ":", record.line, ": a second score for question ", key.first, ", sample ", key.second,
               " (the first is on line ", at->second, ")");
    scores[key] = score;
  }
  return scores;
}

std::vector<CandidateRow> candidate_table(const JobContext& context, hid_t candidates, const InputRecord& candidates_input,
                                          const StrategyTraits& strategy) {
  const CandidateRows rows = read_candidate_rows(candidates);
  const AnswerRows answers = read_answer_rows(candidates);
  const VoteRows votes = read_vote_rows(candidates);
  std::vector<CandidateRow> table(rows.question_index.size());
  for (size_t i = 0; i < table.size(); ++i) {
    CandidateRow& row = table[i];
    row.question_index = rows.question_index[i];
    row.sample_index = rows.sample_index[i];
    row.parsed = answers.parsed[i];
    row.consistent = answers.consistent[i];
    if (answers.correct[i] >= 0) row.correct = answers.correct[i] == 1;
    row.question_entropy = votes.entropy[row.question_index];
  }
  // The official code's entropy, from the answers themselves (the candidate file stores ours).
  std::map<int64_t, std::vector<std::optional<std::string>>> answers_of;
  for (size_t i = 0; i < table.size(); ++i)
    answers_of[table[i].question_index].push_back(
        table[i].parsed ? std::optional<std::string>(text_at(answers.answer, i)) : std::nullopt);
  for (CandidateRow& row : table) row.parsed_entropy = parsed_answer_entropy(answers_of[row.question_index]);
  const std::string weights_path = context.get<std::string>("filter.weights");
  if (strategy.needs_weights) {
    IWSI_CHECK(!weights_path.empty(), "strategy ", strategy.name, " needs --filter.weights (the file iwsi weigh writes)");
    H5Id weights_file = open_output_for_read(weights_path, kWeightsSchema, kWeightsVersion);
    check_made_from(weights_file, weights_path, candidates_input, "filter.candidates");
    const WeightRows weights = read_weight_rows(weights_file);
    IWSI_CHECK(weights.w_ds.size() == table.size(), weights_path, " has weights for ", weights.w_ds.size(),
               " candidates but ", context.get<std::string>("filter.candidates"), " has ", table.size(),
               ": it was computed from another candidate file");
    for (size_t i = 0; i < table.size(); ++i) {
      if (!table[i].consistent) continue;
      IWSI_CHECK(std::isfinite(weights.w_ds[i]), weights_path, ": consistent candidate (question ",
                 table[i].question_index, ", sample ", table[i].sample_index, ") has no DS weight");
      table[i].ds = DsWeight{weights.w_prime[i], weights.w_ds[i]};
    }
  }
  if (strategy.needs_rm_scores) {
    const std::string path = context.get<std::string>("filter.rm_scores");
    IWSI_CHECK(!path.empty(), "strategy rm needs --filter.rm_scores");
    const auto scores = read_rm_scores(path);
    for (CandidateRow& row : table) {
      const auto found = scores.find({row.question_index, row.sample_index});
      if (found != scores.end()) row.rm_score = found->second;
    }
  }
  if (strategy.needs_judgments) {
    const std::string path = context.get<std::string>("filter.judgments");
    IWSI_CHECK(!path.empty(), "strategy ", strategy.name, " needs --filter.judgments (the file iwsi judge writes)");
    H5Id judgments = open_output_for_read(path, kJudgmentsSchema, kJudgmentsVersion);
    check_made_from(judgments, path, candidates_input, "filter.candidates");
    const std::vector<double> scores = read_self_scores(judgments);
    IWSI_CHECK(scores.size() == table.size(), path, " has judgments for ", scores.size(), " candidates but ",
               context.get<std::string>("filter.candidates"), " has ", table.size(),
               ": it was computed from another candidate file");
    for (size_t i = 0; i < table.size(); ++i)
      if (table[i].consistent && std::isfinite(scores[i])) table[i].self_score = scores[i];
  }
  return table;
}

// This rank's contiguous share of the kept rows, as the selection file stores them.
KeptRows my_kept_rows(const StrategyResult& result, const std::vector<CandidateRow>& table, const World& world) {
  const ShardRange mine = shard_of(static_cast<int64_t>(result.kept_rows.size()), world.rank(), world.size());
  KeptRows out;
  for (int64_t i = mine.begin; i < mine.end; ++i) {
    const CandidateRow& row = table[result.kept_rows[i]];
    out.row.push_back(result.kept_rows[i]);
    out.question_index.push_back(row.question_index);
    out.sample_index.push_back(row.sample_index);
    out.weight.push_back(result.weights[i]);
    out.w_ds.push_back(row.ds ? row.ds->w_ds : kNone);
  }
  return out;
}

int run(const JobContext& context) {
  StrategyOptions options;
  options.strategy = parse_strategy(context.get<std::string>("filter.strategy"), "option --filter.strategy");
  const StrategyTraits& strategy = traits(options.strategy);
  options.k = context.get<double>("filter.k");
  options.weight_cap = context.get<double>("filter.weight_cap");
  check_range("filter.k", options.k, 0, 100, /*low_open=*/true);
  check_range("filter.weight_cap", options.weight_cap, 0, 1e9, /*low_open=*/true);
  const std::string candidates_path = context.get<std::string>("filter.candidates");
  H5Id candidates = open_output_for_read(candidates_path, kCandidatesSchema, kCandidatesVersion);
  std::vector<std::string> inputs = {candidates_path};
  for (const char* name : {"filter.weights", "filter.judgments", "filter.rm_scores"})
    if (!context.get<std::string>(name).empty()) inputs.push_back(context.get<std::string>(name));
  const OutputClaim claim = claim_output("filter.output", context.get<std::string>("filter.output"), OutputKind::file, inputs);
  const Provenance provenance = context.provenance(inputs);
  const std::vector<CandidateRow> table = candidate_table(context, candidates, provenance.inputs.at(0), strategy);
  const StrategyResult result = select_for_training(table, options);

  OutputFile out(context.get<std::string>("filter.output"), kSelectionSchema, kSelectionVersion, provenance);
  write_selection(out.id(), {strategy.name, options.k, candidates_path}, my_kept_rows(result, table, context.world),
                  result.summary);
  out.commit();
  const SelectionSummary& s = result.summary;
  log_info0("filter ", strategy.name, " (k = ", options.k, "): kept ", s.kept, " of ", s.eligible, " eligible (",
            s.candidates, " candidates), ", s.questions_covered, " questions covered",
            s.sigma_k ? cat(", sigma_k = ", *s.sigma_k) : "",
            s.share_correct ? cat(", ", 100 * *s.share_correct, "% of kept answers correct") : "");
  return 0;
}

}  // namespace jobs::filter

JobEntry filter_job() {
  return {"filter", "the training set of one selection strategy (lmsi, iwsi, a baseline, ...) and its summary",
          jobs::filter::describe, jobs::filter::run};
}

}  // namespace iwsi
