// `iwsi judge`: the `self` baseline's scores (../shared/docs/IWSI.md section 5). The base model reads each
// self-consistent candidate after its question, then a request to rate it 0-10 ending in
// "Score:"; the expected score over the next-token probabilities of "0" .. "10" is the
// candidate's self score (judge.method = expected), or, as the official code does, a sampled
// continuation's first number (generated). D_c is cut into fixed chunks like `iwsi weigh`, so the file is
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
#include "sample/engine.h"
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
      ("judge.method", po::value<std::string>()->default_value("expected"),
       "expected: the expectation over the next token's \"0\" .. \"10\"; generated: a sampled rating, its first number (the official code)")
      ("judge.preamble", po::value<std::string>()->default_value(""), "text before \"Q: question\\nA: answer\" (\\n for newline)")
      ("judge.request", po::value<std::string>()->default_value(escape(kDefaultJudgeRequest)),
       "text after \"Q: question\\nA: answer\" asking for a 0-10 rating; for method expected it must end with \"Score:\" (\\n for newline)")
      ("judge.chunk_size", po::value<int64_t>()->default_value(64), "samples judged together (fixed, so results do not depend on the rank count)")
      ("judge.max_batch_tokens", po::value<int64_t>()->default_value(16384), "padded tokens per forward pass at most (method expected)")
      ("judge.temperature", po::value<double>()->default_value(0.7), "method generated: sampling temperature (0 = greedy)")
      ("judge.top_k", po::value<int64_t>()->default_value(0), "method generated: 0 = off")
      ("judge.top_p", po::value<double>()->default_value(1.0), "method generated: 1 = off")
      ("judge.max_length", po::value<int64_t>()->default_value(800), "method generated: judging text + rating tokens at most (the official 800)")
      ("judge.max_new_tokens", po::value<int64_t>()->default_value(16), "method generated: rating tokens at most")
      ("judge.seed", po::value<int64_t>()->default_value(0), "method generated: a rating depends only on (seed, candidate row)")
      ("judge.batch_rows", po::value<int64_t>()->default_value(64), "method generated: ratings decoded together");
  describe_model_options(options);
}

// The judging texts of one chunk's items: preamble + "Q: q\nA: answer" + request.
std::vector<std::string> judging_texts(const ConsistentShare& share, const CandidateRows& rows, const QuestionRows& questions,
                                       int64_t begin, int64_t end, const std::string& preamble, const std::string& request) {
  std::vector<std::string> texts;
  for (int64_t item = begin; item < end; ++item) {
    const int64_t local = share.local(item);
    const auto [prompt, answer] =
        sample_training_text(text_at(questions.prompt, rows.question_index[local]), text_at(rows.text, local));
    texts.push_back(preamble + judge_text(prompt, answer, request));
  }
  return texts;
}

// Method expected: one forward per text. Samples whose text ends differently may give the score
// values other tokens, so each distinct set of value tokens is judged as its own batch (in
// practice there is one).
std::vector<double> expected_scores(const LoadedModel& loaded, const std::vector<std::string>& texts,
                                    int64_t max_batch_tokens) {
  std::map<std::vector<int32_t>, std::vector<size_t>> by_tokens;
  std::vector<JudgeInput> inputs;
  for (size_t i = 0; i < texts.size(); ++i) {
    inputs.push_back(judge_input(loaded.tokenizer, texts[i]));
    by_tokens[inputs.back().value_tokens].push_back(i);
  }
  std::vector<double> scores(texts.size());
  for (const auto& [value_tokens, items] : by_tokens) {
    std::vector<std::vector<int32_t>> prompts;
    std::vector<int32_t> scorable;
    for (size_t i : items) prompts.push_back(inputs[i].prompt_ids);
    for (int32_t token : value_tokens) scorable.push_back(token == -1 ? 0 : token);  // -1 entries are ignored
    const auto log_probs = next_token_log_probs(loaded.model, prompts, scorable, max_batch_tokens);
    for (size_t j = 0; j < items.size(); ++j) scores[items[j]] = expected_score(log_probs[j], value_tokens);
  }
  return scores;
}

// Method generated: one sampled continuation per text, its stream the candidate's file row, so a
// rating does not depend on the rank count or the chunking. Returns the continuations; the score
// is rating_from_text of each.
std::vector<std::string> rating_texts(const LoadedModel& loaded, const std::vector<std::string>& texts,
                                      const std::vector<int64_t>& file_rows, const SamplingParams& params,
                                      const EngineOptions& engine) {
  std::vector<GenerationRequest> requests;
  for (size_t i = 0; i < texts.size(); ++i)
    requests.push_back({loaded.tokenizer.encode(texts[i], true), 1, static_cast<uint64_t>(file_rows[i]),
                        "candidate row " + std::to_string(file_rows[i])});
  std::vector<std::string> ratings(texts.size());
  for (const Sample& sample : iwsi::generate(loaded.model, loaded.tokenizer, requests, params, engine))
    ratings[static_cast<size_t>(sample.request)] = sample.text;
  return ratings;
}

int run(const JobContext& context) {
  const std::string candidates_path = context.get<std::string>("judge.candidates");
  const std::string output = context.get<std::string>("judge.output");
  const JudgeMethod method = parse_judge_method(context.get<std::string>("judge.method"), "judge.method");
  const std::string preamble = unescape(context.get<std::string>("judge.preamble"));
  const std::string request = unescape(context.get<std::string>("judge.request"));
  const std::string ending = "Score:";
  IWSI_CHECK(method == JudgeMethod::generated || (request.size() >= ending.size() &&
                                                  request.compare(request.size() - ending.size(), ending.size(), ending) == 0),
             "option --judge.request must end with \"Score:\" (method expected reads the score from the token after it)");
  const int64_t chunk_size = context.get<int64_t>("judge.chunk_size");
  const int64_t max_batch_tokens = context.get<int64_t>("judge.max_batch_tokens");
  const int64_t batch_rows = context.get<int64_t>("judge.batch_rows");
  check_range("judge.chunk_size", static_cast<double>(chunk_size), 1, 1e9);
  check_range("judge.max_batch_tokens", static_cast<double>(max_batch_tokens), 1, 1e12);
  check_range("judge.batch_rows", static_cast<double>(batch_rows), 1, 1e6);

  const OutputClaim claim = claim_output("judge.output", output, OutputKind::file,
                                         {candidates_path, context.get<std::string>("model.path")});
  H5Id candidates = open_output_for_read(candidates_path, kCandidatesSchema, kCandidatesVersion);
  const LoadedModel loaded = load_model(context);
  const SamplingParams params = sampling_limits(context, "judge", loaded.tokenizer);  // method generated
  const EngineOptions engine{batch_rows, EngineOptions{}.max_prefill_tokens, max_positions(context)};
  const Provenance provenance = context.provenance({candidates_path, loaded.path});
  torch::NoGradGuard no_grad;

  const ConsistentShare share = consistent_share(read_answer_rows(candidates), chunk_size, context.world);
  const CandidateRows rows = read_candidate_rows(candidates, share.first_row, share.end_row);
  const QuestionRows questions = read_question_rows(candidates);
  std::vector<double> self_score(static_cast<size_t>(share.end_row - share.first_row),
                                 std::numeric_limits<double>::quiet_NaN());
  std::vector<std::string> rating_text(self_score.size());  // method generated
  Progress progress("judge (rank 0's share)", share.items.size(), "samples");
  for (int64_t begin = share.items.begin; begin < share.items.end; begin += chunk_size) {
    const int64_t end = std::min(share.items.end, begin + chunk_size);
    const std::vector<std::string> texts = judging_texts(share, rows, questions, begin, end, preamble, request);
    std::vector<int64_t> file_rows;
    for (int64_t item = begin; item < end; ++item) file_rows.push_back(share.rows[item]);
    std::vector<double> scores;
    std::vector<std::string> ratings;
    if (method == JudgeMethod::expected) {
      scores = expected_scores(loaded, texts, max_batch_tokens);
    } else {
      ratings = rating_texts(loaded, texts, file_rows, params, engine);
      for (const std::string& rating : ratings) scores.push_back(rating_from_text(rating));
    }
    for (int64_t item = begin; item < end; ++item) {
      const int64_t local = share.local(item);
      self_score[local] = scores[item - begin];
      if (!ratings.empty()) rating_text[local] = ratings[item - begin];
      IWSI_CHECK(std::isfinite(self_score[local]), candidates_path, ": candidate (question ", rows.question_index[local],
                 ", sample ", rows.sample_index[local], ") has a non-finite self score");
    }
    progress.update(end - share.items.begin);
  }

  OutputFile out(output, kJudgmentsSchema, kJudgmentsVersion, provenance);
  set_attribute(out.id(), "method", std::string(judge_method_name(method)));
  set_attribute(out.id(), "preamble", preamble);
  set_attribute(out.id(), "request", request);
  set_attribute(out.id(), "candidates_file", candidates_path);
  write_self_scores(out.id(), self_score);
  if (method == JudgeMethod::generated) {
    TextColumn texts;
    for (const std::string& text : rating_text) push_text(texts, text);
    write_rating_texts(out.id(), texts);
  }
  out.commit();
  log_info0("judge: ", share.rows.size(), " consistent candidates of ", share.rows_total, " judged (",
            judge_method_name(method), ") into ", output);
  return 0;
}

}  // namespace jobs::judge

JobEntry judge_job() {
  return {"judge", "the base model's own 0-10 rating of every consistent candidate (the self baseline)", jobs::judge::describe, jobs::judge::run};
}

}  // namespace iwsi
