// `iwsi generate`: m chain-of-thought samples for every question of the unlabeled pool, answers
// extracted and voted (../shared/docs/IWSI.md section 1, steps 1-2), into one candidate file.
// The pool is cut into fixed chunks that ranks claim dynamically; each finished chunk is kept in a
// work directory, so a killed job resumes where it stopped. Chunks do not depend on the rank that
// computes them, and they are merged in order, so the output is the same for any rank count.
#include <chrono>
#include <sstream>

#include "core/log.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "data/prompt.h"
#include "dist/shard.h"
#include "dist/work_counter.h"
#include "job.h"
#include "options.h"
#include "pipeline/chunk_store.h"
#include "runtime/stop_signal.h"
#include "store/attributes.h"
#include "store/output_claim.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::generate {  // named, not anonymous: jobs/ compiles as one unity file

void describe(po::options_description& options) {
  options.add_options()
      ("generate.output", po::value<std::string>()->required(), "candidate file to write (HDF5)")
      ("generate.chunk_size", po::value<int64_t>()->default_value(16), "questions per chunk (the unit of work claiming and resuming)")
      ("generate.work_dir", po::value<std::string>()->default_value(""), "where finished chunks are kept (default: <output>.chunks)")
      ("generate.keep_chunks", po::value<bool>()->default_value(false)->implicit_value(true), "keep the work directory after the output is written")
      ("generate.clean", po::value<std::string>()->default_value("none"), "none: the text as the stop string cut it; paper: the official code's post-processing (cut at \"Q:\", \"A:\" removed, the tail after the last \"the answer is\" rewritten as \" N.\") and its answer rule")
      ("generate.drop_truncated", po::value<bool>()->default_value(false)->implicit_value(true), "a sample cut by a length limit neither votes nor enters D_c");
  describe_data_options(options);
  describe_model_options(options);
  describe_sampling_options(options);
}

// Everything that decides the chunks' content: the configuration without where things are written
// or how many threads run, plus the inputs' hashes.
std::string chunk_fingerprint(const JobContext& context, const std::string& inputs_json) {
  std::istringstream in(result_settings(context.options.effective_ini));
  std::string line, kept;
  while (std::getline(in, line)) {
    const bool where = line.rfind("output =", 0) == 0 || line.rfind("work_dir =", 0) == 0 ||
                       line.rfind("keep_chunks =", 0) == 0;
    if (!where) kept += line + "\n";
  }
  return sha256_hex(kept + inputs_json);
}

// Claims chunks until none is left; computes those not already done. Returns this rank's counts.
struct ClaimStats { int64_t computed = 0, resumed = 0, tokens = 0; };
ClaimStats work_through_chunks(const JobContext& context, const GenerationSetup& setup, const std::vector<Example>& pool,
                               const ChunkStore& store, int64_t chunk_size) {
  const int64_t questions = static_cast<int64_t>(pool.size());
  const int64_t chunks = (questions + chunk_size - 1) / chunk_size;
  ClaimStats stats;
  Progress progress("generate", chunks, "chunks");
  WorkCounter counter;
  for (int64_t chunk = counter.claim(); chunk < chunks; chunk = counter.claim()) {
    if (stop_requested()) break;  // a signal: leave the rest to the requeued job
    if (chunk_is_done(store, chunk)) {
      ++stats.resumed;
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    const int64_t begin = chunk * chunk_size, end = std::min(questions, begin + chunk_size);
    const GeneratedRows rows = generate_for_questions(setup, pool, begin, end);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_chunk(store, chunk, rows, {context.world.rank(), seconds, rows.tokens});
    ++stats.computed;
    stats.tokens += rows.tokens;
    progress.update(std::min(chunk + 1, chunks), stats.tokens * context.world.size());  // rank 0's view
  }
  return stats;
}

// Rank r merges chunks shard_of(chunks, r) in order and all ranks write them collectively.
void merge_chunks(const JobContext& context, const ChunkStore& store, int64_t chunks, OutputFile& out) {
  const ShardRange mine = shard_of(chunks, context.world.rank(), context.world.size());
  GeneratedRows rows;
  std::vector<int64_t> chunk_index, tokens;
  std::vector<int32_t> ranks;
  std::vector<double> seconds;
  for (int64_t chunk = mine.begin; chunk < mine.end; ++chunk) {
    ChunkTiming timing;
    rows.append(read_chunk(store, chunk, &timing));
    chunk_index.push_back(chunk);
    ranks.push_back(timing.rank);
    seconds.push_back(timing.seconds);
    tokens.push_back(timing.tokens);
  }
  write_question_rows(out.id(), rows.questions);
  write_vote_rows(out.id(), rows.votes);
  write_candidate_rows(out.id(), rows.candidates);
  write_answer_rows(out.id(), rows.answers);
  H5Id table = h5_group(create_table(out.id(), "chunks"), "chunks");  // timings: differ run to run
  write_column(table, "chunk", chunk_index);
  write_column(table, "rank", ranks);
  write_column(table, "seconds", seconds);
  write_column(table, "tokens", tokens);
}

void log_summary(const std::string& output) {
  H5Id file = open_output_for_read(output, kCandidatesSchema, kCandidatesVersion);
  const AnswerRows answers = read_answer_rows(file);
  const VoteRows votes = read_vote_rows(file);
  int64_t parsed = 0, consistent = 0, majority_right = 0, with_gold = 0;
  for (size_t i = 0; i < answers.parsed.size(); ++i) {
    parsed += answers.parsed[i];
    consistent += answers.consistent[i];
  }
  for (int64_t q = 0; q < votes.gold.rows(); ++q) {
    if (votes.gold.row_size(q) == 0) continue;
    ++with_gold;
    majority_right += text_at(votes.majority, q) == text_at(votes.gold, q);
  }
  const double n = std::max<double>(1, static_cast<double>(answers.parsed.size()));
  log_info0("generate: ", votes.gold.rows(), " questions, ", answers.parsed.size(), " candidates, ", 100.0 * parsed / n,
            "% parsed, ", consistent, " consistent (D_c)",
            with_gold ? cat(", majority answer correct for ", 100.0 * majority_right / with_gold, "% of questions") : "");
}

int run(const JobContext& context) {
  const std::string output = context.get<std::string>("generate.output");
  const int64_t chunk_size = context.get<int64_t>("generate.chunk_size");
  check_range("generate.chunk_size", static_cast<double>(chunk_size), 1, 1e9);
  const DatasetOptions data = dataset_options(context);
  const OutputClaim claim = claim_output("generate.output", output, OutputKind::file,
                                         concat({dataset_inputs(data), {context.get<std::string>("model.path")}}));
  const DatasetSplits splits = load_dataset(data);
  IWSI_CHECK(!splits.pool.empty(), "dataset ", data.name, ": the question pool is empty");
  const LoadedModel loaded = load_model(context);
  GenerationSetup setup{loaded.model, loaded.tokenizer, few_shot_prefix(splits.exemplars), splits.kind,
                        context.get<int64_t>("sampling.m"), sampling_params(context, loaded.tokenizer),
                        engine_options(context)};
  setup.params.stop_strings.push_back("\nQ:");  // the model starting a new question (IWSI.md step 1)
  const std::string clean = context.get<std::string>("generate.clean");
  IWSI_CHECK(clean == "none" || clean == "paper", "option --generate.clean=", clean, ": expected none or paper");
  setup.paper_clean = clean == "paper";
  setup.drop_truncated = context.get<bool>("generate.drop_truncated");
  const Provenance provenance = context.provenance(concat({dataset_inputs(data), {loaded.path}}));

  const std::string work_dir = context.get<std::string>("generate.work_dir");
  const ChunkStore store = open_chunk_store(work_dir.empty() ? output + ".chunks" : work_dir,
                                            chunk_fingerprint(context, inputs_to_json(provenance.inputs)),
                                            rounding_key(context.numerics_identity()));
  const int64_t chunks = (static_cast<int64_t>(splits.pool.size()) + chunk_size - 1) / chunk_size;
  log_info0("generate: ", splits.pool.size(), " questions x ", setup.m, " samples in ", chunks, " chunks of ", chunk_size,
            " on ", context.world.size(), " rank(s); finished chunks kept in ", store.dir);

  torch::NoGradGuard no_grad;
  const StopAtSafePoints safe_points;  // a signal now ends the loop after its chunk, keeping the chunks
  const ClaimStats stats =
      naming_model(loaded.path, "", [&] { return work_through_chunks(context, setup, splits.pool, store, chunk_size); });
  if (stop_requested_everywhere()) {
    log_warn0("generate: stopped on a signal; ", allreduce_sum(stats.computed), " chunks finished in ", store.dir,
              " are kept; run the same command again to resume");
    return kExitRequeue;
  }
  const int64_t resumed = allreduce_sum(stats.resumed);
  if (resumed > 0) log_info0("generate: resumed ", resumed, " chunks finished by an earlier run");

  OutputFile out(output, kCandidatesSchema, kCandidatesVersion, provenance);
  set_attribute(out.id(), "few_shot_prefix", setup.few_shot);
  set_attribute(out.id(), "dataset", data.name);
  merge_chunks(context, store, chunks, out);
  out.commit();
  if (context.world.rank() == 0) log_summary(output);
  if (!context.get<bool>("generate.keep_chunks")) remove_chunk_store(store);
  return 0;
}

}  // namespace jobs::generate

JobEntry generate_job() {
  return {"generate", "sample m CoT answers per pool question, extract answers, majority vote (resumable)", jobs::generate::describe, jobs::generate::run};
}

}  // namespace iwsi
