// `iwsi judge`: the `self` baseline's scores (../shared/docs/IWSI.md section 5). The base model reads each
// self-consistent candidate after its question, then a request to rate it 0-10 ending in
// "Score:"; the expected score over the next-token probabilities of "0" .. "10" is the
// candidate's self score. D_c is cut into fixed chunks like `iwsi weigh`, so the file is
// bit-identical for any rank count. `iwsi filter --strategy self` keeps the k% highest.
#include <cmath>
#include <limits>
#include <map>

#include "core/log.h"
#include "core/progress.h"
#include "data/prompt.h"
#include "job.h"
#include "model/loss.h"
#include "options.h"
#include "pipeline/candidates_file.h"
#include "pipeline/consistent_share.h"
#include "pipeline/judgments_file.h"
#include "score/self_judge.h"
#include "store/attributes.h"
#include "store/output_claim.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::judge {  // named, not anonymous: jobs/ compiles as one unity file

void describe(po::options_description& options) {
  options.add_options()
      ("judge.candidates", po::value<std::string>()->required(), "candidate file written by iwsi generate")
      ("judge.output", po::value<std::string>()->required(), "judgments file to write (HDF5)")
      ("judge.request", po::value<std::string>()->default_value(escape(kDefaultJudgeRequest)),
       "text after \"Q: question\\nA: answer\" asking for a 0-10 rating; must end with \"Score:\" (\\n for newline)")
      ("judge.chunk_size", po::value<int64_t>()->default_value(64), "samples judged together (fixed, so results do not depend on the rank count)")
      ("judge.max_batch_tokens", po::value<int64_t>()->default_value(16384), "padded tokens per forward pass at most");
  describe_model_options(options);
}

int run(const JobContext& context) {
  const std::string candidates_path = context.get<std::string>("judge.candidates");
  const std::string output = context.get<std::string>("judge.output");
  const std::string request = unescape(context.get<std::string>("judge.request"));
  const std::string ending = "Score:";
  IWSI_CHECK(request.size() >= ending.size() && request.compare(request.size() - ending.size(), ending.size(), ending) == 0,
             "option --judge.request must end with \"Score:\" (the score is read from the token after it)");
  const int64_t chunk_size = context.get<int64_t>("judge.chunk_size");
  const int64_t max_batch_tokens = context.get<int64_t>("judge.max_batch_tokens");
  check_range("judge.chunk_size", static_cast<double>(chunk_size), 1, 1e9);
  check_range("judge.max_batch_tokens", static_cast<double>(max_batch_tokens), 1, 1e12);

  const OutputClaim claim = claim_output("judge.output", output, OutputKind::file,
                                         {candidates_path, context.get<std::string>("model.path")});
  H5Id candidates = open_output_for_read(candidates_path, kCandidatesSchema, kCandidatesVersion);
  const LoadedModel loaded = load_model(context);
  const Provenance provenance = context.provenance({candidates_path, loaded.path});
  torch::NoGradGuard no_grad;

  const ConsistentShare share = consistent_share(read_answer_rows(candidates), chunk_size, context.world);
  const CandidateRows rows = read_candidate_rows(candidates, share.first_row, share.end_row);
  const QuestionRows questions = read_question_rows(candidates);
  std::vector<double> self_score(static_cast<size_t>(share.end_row - share.first_row),
                                 std::numeric_limits<double>::quiet_NaN());
  Progress progress("judge (rank 0's share)", share.items.size(), "samples");
  for (int64_t begin = share.items.begin; begin < share.items.end; begin += chunk_size) {
    const int64_t end = std::min(share.items.end, begin + chunk_size);
    // Samples whose text ends differently may give the score values other tokens, so each
    // distinct set of value tokens is judged as its own batch (in practice there is one).
    std::map<std::vector<int32_t>, std::vector<int64_t>> by_tokens;
    std::vector<JudgeInput> inputs;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t local = share.local(item);
      const auto [prompt, answer] = sample_training_text(text_at(questions.prompt, rows.question_index[local]),
                                                         text_at(rows.text, local));
      inputs.push_back(judge_input(loaded.tokenizer, judge_text(prompt, answer, request)));
      by_tokens[inputs.back().value_tokens].push_back(item);
    }
    for (const auto& [value_tokens, items] : by_tokens) {
      std::vector<std::vector<int32_t>> prompts;
      std::vector<int32_t> scorable;
      for (int64_t item : items) prompts.push_back(inputs[item - begin].prompt_ids);
      for (int32_t token : value_tokens) scorable.push_back(token == -1 ? 0 : token);  // -1 entries are ignored
      const auto log_probs = next_token_log_probs(loaded.model, prompts, scorable, max_batch_tokens);
      for (size_t i = 0; i < items.size(); ++i) {
        const int64_t local = share.local(items[i]);
        self_score[local] = expected_score(log_probs[i], value_tokens);
        IWSI_CHECK(std::isfinite(self_score[local]), candidates_path, ": candidate (question ", rows.question_index[local],
                   ", sample ", rows.sample_index[local], ") has a non-finite self score");
      }
    }
    progress.update(end - share.items.begin);
  }

  OutputFile out(output, kJudgmentsSchema, kJudgmentsVersion, provenance);
  set_attribute(out.id(), "request", request);
  set_attribute(out.id(), "candidates_file", candidates_path);
  write_self_scores(out.id(), self_score);
  out.commit();
  log_info0("judge: ", share.rows.size(), " consistent candidates of ", share.rows_total, " judged into ", output);
  return 0;
}

}  // namespace jobs::judge

JobEntry judge_job() {
  return {"judge", "the base model's own 0-10 rating of every consistent candidate (the self baseline)", jobs::judge::describe, jobs::judge::run};
}

}  // namespace iwsi
