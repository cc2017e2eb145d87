// `iwsi weigh`: the DS weight of every self-consistent candidate (../shared/docs/IWSI.md sections 2-3 step 3).
// The base model scores each candidate in D_c and each valid sample with the per-sample answer loss;
// the valid mean comes from an exact all-reduce of (sum, count); w' = mean / loss and
// w_DS = max(w', 1/w'). Work is cut into fixed chunks of samples, each scored in one batch, and
// ranks take contiguous runs of chunks, so the file is bit-identical for any rank count.
#include <cmath>
#include <limits>

#include "core/log.h"
#include "core/progress.h"
#include "data/prompt.h"
#include "dist/exact_sum.h"
#include "dist/shard.h"
#include "job.h"
#include "model/loss.h"
#include "options.h"
#include "pipeline/candidates_file.h"
#include "pipeline/consistent_share.h"
#include "pipeline/weights_file.h"
#include "score/sft_tokens.h"
#include "select/ds_weight.h"
#include "store/attributes.h"
#include "store/output_claim.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::weigh {  // named, not anonymous: jobs/ compiles as one unity file

constexpr double kNotScored = std::numeric_limits<double>::quiet_NaN();

void describe(po::options_description& options) {
  options.add_options()
      ("weigh.candidates", po::value<std::string>()->required(), "candidate file written by iwsi generate")
      ("weigh.output", po::value<std::string>()->required(), "weights file to write (HDF5)")
      ("weigh.loss_scope", po::value<std::string>()->default_value("answer"),
       "answer: the answer tokens given the prompt (ours, IWSI.md section 2); prompt_and_answer: every token of the same text; "
       "code: the official record_loss text (BOS \"Q: q\\nA: \" EOS answer, every token, cut at --weigh.code_max_length)")
      ("weigh.code_max_length", po::value<int64_t>()->default_value(400), "loss_scope = code: tokens scored per text at most (the official model_max_length)")
      ("weigh.ds_caps", po::value<std::string>()->default_value("none"), "none, or code: clip w' to [0, 2] and 1/w' at 5")
      ("weigh.ds_side", po::value<std::string>()->default_value("both"), "both (the paper), high or low: which side of the valid mean counts as shifted")
      ("weigh.chunk_size", po::value<int64_t>()->default_value(64), "samples scored together (fixed, so results do not depend on the rank count)")
      ("weigh.max_batch_tokens", po::value<int64_t>()->default_value(16384), "padded tokens per forward pass at most");
  describe_data_options(options);
  describe_model_options(options);
}

enum class LossScope { answer, prompt_and_answer, code };

LossScope parse_loss_scope(const std::string& scope) {
  if (scope == "answer") return LossScope::answer;
  if (scope == "prompt_and_answer") return LossScope::prompt_and_answer;
  if (scope == "code") return LossScope::code;
  fail("option --weigh.loss_scope=", scope, ": expected answer, prompt_and_answer or code",
       scope == "full" ? " (full was renamed prompt_and_answer; code is the official record_loss)" : "");
}

struct Scorer {
  const LoadedModel& loaded;
  LossScope scope;
  int64_t code_max_length;
  int64_t max_batch_tokens;

  // Losses of (prompt, answer) token splits, scored as one fixed chunk.
  std::vector<double> losses(std::vector<SftTokens> texts) const {
    std::vector<std::vector<int32_t>> prompts, answers;
    for (SftTokens& tokens : texts) {
      if (scope == LossScope::code) {  // one sequence, all targets: the split point only has to leave an answer
        std::vector<int32_t> sequence = record_loss_tokens(loaded.tokenizer, tokens, code_max_length);
        prompts.emplace_back(sequence.begin(), sequence.begin() + 1);
        answers.emplace_back(sequence.begin() + 1, sequence.end());
        continue;
      }
      prompts.push_back(std::move(tokens.prompt));
      answers.push_back(std::move(tokens.answer));
    }
    return answer_nll(loaded.model, prompts, answers, scope != LossScope::answer, max_batch_tokens);
  }
};

ValidRows score_valid(const std::vector<Example>& valid, const Scorer& scorer, int64_t chunk_size, const World& world) {
  const ShardRange mine = chunk_run_of(static_cast<int64_t>(valid.size()), chunk_size, world.rank(), world.size());
  ValidRows rows;
  for (int64_t begin = mine.begin; begin < mine.end; begin += chunk_size) {
    std::vector<SftTokens> texts;
    for (int64_t i = begin; i < std::min(mine.end, begin + chunk_size); ++i) {
      texts.push_back(sft_tokens(scorer.loaded.tokenizer, training_prompt(valid[i]), valid[i].rationale));
      push_text(rows.id, valid[i].id);
    }
    const std::vector<double> losses = scorer.losses(texts);
    for (size_t j = 0; j < losses.size(); ++j)
      IWSI_CHECK(std::isfinite(losses[j]) && losses[j] > 0, "weigh: valid sample ", valid[begin + j].id, " has loss ",
                 losses[j], " under ", scorer.loaded.path, " (NaN/inf weights, or a dtype that overflows?); ",
                 "DS weights need finite, positive losses");
    for (double loss : losses) rows.loss.push_back(loss);
  }
  return rows;
}

int run(const JobContext& context) {
  const std::string candidates_path = context.get<std::string>("weigh.candidates");
  const std::string output = context.get<std::string>("weigh.output");
  const std::string scope = context.get<std::string>("weigh.loss_scope");
  const LossScope loss_scope = parse_loss_scope(scope);
  const int64_t code_max_length = context.get<int64_t>("weigh.code_max_length");
  check_range("weigh.code_max_length", static_cast<double>(code_max_length), 2, 1e7);
  const DsCaps caps = parse_ds_caps(context.get<std::string>("weigh.ds_caps"));
  const DsSide side = parse_ds_side(context.get<std::string>("weigh.ds_side"));
  const int64_t chunk_size = context.get<int64_t>("weigh.chunk_size");
  check_range("weigh.chunk_size", static_cast<double>(chunk_size), 1, 1e9);

  const DatasetOptions data = dataset_options(context);
  const OutputClaim claim = claim_output("weigh.output", output, OutputKind::file,
                                         concat({{candidates_path}, dataset_inputs(data), {context.get<std::string>("model.path")}}));
  const DatasetSplits splits = load_dataset(data);
  IWSI_CHECK(!splits.valid.empty(), "dataset ", data.name, ": the valid set is empty; DS weights need at least one ",
             "labeled valid sample (--data.valid_size)");
  for (const Example& example : splits.valid)
    IWSI_CHECK(!example.rationale.empty(), "dataset ", data.name, ": valid sample ", example.id, " has no rationale to score ",
               "(write the valid set's rationales in a file and give it as --data.valid_file; configs/paper/valid/ has some)");
  H5Id candidates = open_output_for_read(candidates_path, kCandidatesSchema, kCandidatesVersion);
  const LoadedModel loaded = load_model(context);
  const Provenance provenance = context.provenance(concat({{candidates_path}, dataset_inputs(data), {loaded.path}}));
  const Scorer scorer{loaded, loss_scope, code_max_length, context.get<int64_t>("weigh.max_batch_tokens")};
  torch::NoGradGuard no_grad;

  // The valid mean: an exact all-reduce of (sum, count).
  const ValidRows valid = score_valid(splits.valid, scorer, chunk_size, context.world);
  const double valid_mean = exact_allreduce_sum(valid.loss) / static_cast<double>(splits.valid.size());
  IWSI_CHECK(std::isfinite(valid_mean) && valid_mean > 0, "the valid set's mean loss is ", valid_mean,
             "; DS weights need a finite, positive mean");
  log_info0("weigh: valid mean loss ", valid_mean, " nats over ", splits.valid.size(), " samples (", scope, " scope)");

  // D_c: the rows of the candidate file that are consistent; this rank scores a run of chunks of them.
  const ConsistentShare share = consistent_share(read_answer_rows(candidates), chunk_size, context.world);
  const CandidateRows rows = read_candidate_rows(candidates, share.first_row, share.end_row);
  const QuestionRows questions = read_question_rows(candidates);

  const size_t my_rows = static_cast<size_t>(share.end_row - share.first_row);
  WeightRows weights{std::vector<double>(my_rows, kNotScored), std::vector<double>(my_rows, kNotScored),
                     std::vector<double>(my_rows, kNotScored)};
  Progress progress("weigh (rank 0's share)", share.items.size(), "samples");
  int64_t text_encoded = 0;
  for (int64_t begin = share.items.begin; begin < share.items.end; begin += chunk_size) {
    const int64_t end = std::min(share.items.end, begin + chunk_size);
    std::vector<SftTokens> texts;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t local = share.local(item);
      const auto [prompt, answer] =
          sample_training_text(text_at(questions.prompt, rows.question_index[local]), text_at(rows.text, local));
      texts.push_back(sample_sft_tokens(loaded.tokenizer, prompt, rows.token_ids.row(local), answer));
      if (!texts.back().model_ids_only) ++text_encoded;
    }
    const std::vector<double> losses = scorer.losses(texts);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t local = share.local(item);
      const double loss = losses[item - begin];
      IWSI_CHECK(std::isfinite(loss) && loss > 0, candidates_path, ": candidate (question ", rows.question_index[local],
                 ", sample ", rows.sample_index[local], ") has loss ", loss, " under ", loaded.path,
                 " (NaN/inf weights, or a dtype that overflows?); cannot weigh it");
      const DsWeight weight = ds_weight(loss, valid_mean, caps, side);
      weights.loss[local] = loss;
      weights.w_prime[local] = weight.w_prime;
      weights.w_ds[local] = weight.w_ds;
    }
    progress.update(end - share.items.begin);
  }

  if (text_encoded > 0)
    log_info("weigh: ", text_encoded, " of this rank's samples partly re-encoded from their text (a stop string cut "
             "inside a token, or a rewritten tail); the others are scored on the model's own ids");
  OutputFile out(output, kWeightsSchema, kWeightsVersion, provenance);
  set_attribute(out.id(), "valid_mean_loss", valid_mean);
  set_attribute(out.id(), "loss_scope", scope);
  set_attribute(out.id(), "ds_caps", context.get<std::string>("weigh.ds_caps"));
  set_attribute(out.id(), "ds_side", context.get<std::string>("weigh.ds_side"));
  set_attribute(out.id(), "candidates_file", candidates_path);
  write_weight_rows(out.id(), weights);
  write_valid_rows(out.id(), valid);
  out.commit();
  log_info0("weigh: ", share.rows.size(), " consistent candidates of ", share.rows_total, " weighed into ", output);
  return 0;
}

}  // namespace jobs::weigh

JobEntry weigh_job() {
  return {"weigh", "loss of every consistent candidate and valid sample under the base model; DS weights", jobs::weigh::describe, jobs::weigh::run};
}

}  // namespace iwsi
