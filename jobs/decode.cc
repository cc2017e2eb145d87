// `iwsi decode`: sample m continuations of raw prompts from a JSONL file ({"id": ..., "prompt": ...}
// per line) with a model, sharded over ranks, into a candidate file (the schema `iwsi generate`
// writes). The engine's smallest real job: no dataset, no answers, no votes.
#include <chrono>

#include "core/log.h"
#include "core/progress.h"
#include "data/json_records.h"
#include "dist/shard.h"
#include "job.h"
#include "options.h"
#include "pipeline/candidates_file.h"
#include "store/output_claim.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::decode {  // named, not anonymous: jobs/ compiles as one unity file

struct RawPrompt {
  std::string id, prompt;
  int64_t line = 0;  // in the prompts file, for messages
};

std::vector<RawPrompt> read_prompts(const std::string& path) {
  std::vector<RawPrompt> prompts;
  for (const JsonRecord& line : read_jsonl(path)) {
    const auto where = [&] { return path + ":" + std::to_string(line.line); };
    IWSI_CHECK(line.value.is_object() && line.value.contains("prompt") && line.value["prompt"].is_string(), where(),
               ": expected {\"id\": ..., \"prompt\": \"...\"}");
    std::string id = std::to_string(line.line);
    if (line.value.contains("id")) id = line.value["id"].is_string() ? line.value["id"].get<std::string>() : line.value["id"].dump();
    prompts.push_back({id, line.value["prompt"].get<std::string>(), line.line});
  }
  IWSI_CHECK(!prompts.empty(), path, ": no prompts");
  return prompts;
}

void describe(po::options_description& options) {
  options.add_options()
      ("decode.prompts", po::value<std::string>()->required(), "JSONL file, one {\"id\": ..., \"prompt\": \"...\"} per line")
      ("decode.output", po::value<std::string>()->required(), "candidate file to write (HDF5)")
      ("decode.add_bos", po::value<bool>()->default_value(true)->implicit_value(true), "encode prompts with the tokenizer's special tokens (BOS)");
  describe_model_options(options);
  describe_sampling_options(options);
}

int run(const JobContext& context) {
  const std::string prompts_path = context.get<std::string>("decode.prompts");
  const std::string output = context.get<std::string>("decode.output");
  const OutputClaim claim = claim_output("decode.output", output, OutputKind::file,
                                         {prompts_path, context.get<std::string>("model.path")});
  const std::vector<RawPrompt> prompts = read_prompts(prompts_path);
  const LoadedModel loaded = load_model(context);
  const SamplingParams params = sampling_params(context, loaded.tokenizer);
  const int64_t m = context.get<int64_t>("sampling.m");
  const Provenance provenance = context.provenance({prompts_path, loaded.path});

  const ShardRange mine = shard_of(static_cast<int64_t>(prompts.size()), context.world.rank(), context.world.size());
  QuestionRows questions;
  std::vector<GenerationRequest> requests;
  for (int64_t q = mine.begin; q < mine.end; ++q) {
    GenerationRequest request;
    request.label = prompts_path + ":" + std::to_string(prompts[q].line) + " (prompt " + prompts[q].id + ")";
    request.prompt_ids = loaded.tokenizer.encode(prompts[q].prompt, context.get<bool>("decode.add_bos"));
    IWSI_CHECK(!request.prompt_ids.empty(), request.label, " encodes to no tokens; use --decode.add_bos or a non-empty prompt");
    request.num_samples = m;
    request.stream = static_cast<uint64_t>(q);
    questions.question_index.push_back(q);
    push_text(questions.id, prompts[q].id);
    push_text(questions.prompt, prompts[q].prompt);
    questions.prompt_ids.push_back(request.prompt_ids);
    requests.push_back(std::move(request));
  }
  log_info0("decode: ", prompts.size(), " prompts x ", m, " samples on ", context.world.size(), " rank(s)");

  torch::NoGradGuard no_grad;
  Progress progress("decode (rank 0's share)", mine.size() * m * params.max_new_tokens, "tokens (at most)");
  const std::vector<Sample> samples = naming_model(loaded.path, "", [&] {
    return generate(loaded.model, loaded.tokenizer, requests, params, engine_options(context),
                    [&](int64_t tokens) { progress.update(tokens); });
  });
  const double seconds = progress.elapsed_s();

  CandidateRows candidates;
  int64_t tokens = 0;
  for (const Sample& sample : samples) {
    candidates.append(sample, mine.begin + sample.request);
    tokens += sample.length;
  }
  OutputFile out(output, kCandidatesSchema, kCandidatesVersion, provenance);
  write_question_rows(out.id(), questions);
  write_candidate_rows(out.id(), candidates);
  out.commit();

  const int64_t all_tokens = allreduce_sum(tokens);
  const double fastest = -static_cast<double>(allreduce_max(static_cast<int64_t>(-seconds * 1e6))) / 1e6;
  const double longest = static_cast<double>(allreduce_max(static_cast<int64_t>(seconds * 1e6))) / 1e6;
  log_info0("decode: wrote ", allreduce_sum(candidates.rows()), " samples (", all_tokens, " tokens) to ", output, "; ",
            "decoding took ", longest, " s on the slowest rank, ", fastest, " s on the fastest: ",
            static_cast<int64_t>(all_tokens / std::max(longest, 1e-9)), " tokens/s over all ranks");
  return 0;
}

}  // namespace jobs::decode

JobEntry decode_job() {
  return {"decode", "sample m continuations of raw JSONL prompts into a candidate file", jobs::decode::describe, jobs::decode::run};
}

}  // namespace iwsi
