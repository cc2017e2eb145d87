// `iwsi synth`: writes the synthetic demo task (shared/docs/DEMO.md) into a directory: the four
// GSM8K-format splits with per-noun rationale habits in train, a word-level tokenizer for it and
// the demo's base model config (src/synth/task.h lists the files). Seeded and deterministic; one
// small task, so rank 0 does all of it and the other ranks only wait.
#include "core/log.h"
#include "job.h"
#include "store/output_claim.h"
#include "synth/task.h"

namespace iwsi {
namespace jobs::synth {  // named, not anonymous: jobs/ compiles as one unity file

void describe(po::options_description& options) {
  const SynthOptions defaults;
  options.add_options()
      ("synth.output_dir", po::value<std::string>()->required(), "directory to write the task into (created; its task files are replaced)")
      ("synth.seed", po::value<int64_t>()->default_value(0), "the task is a pure function of the seed and the sizes")
      ("synth.profile", po::value<std::string>()->default_value("mild"), "habit profile of the train set: mild or strong (DEMO.md)")
      ("synth.train_size", po::value<int64_t>()->default_value(defaults.train_size), "labeled problems the base model is trained on")
      ("synth.pool_size", po::value<int64_t>()->default_value(defaults.pool_size), "unlabeled question pool")
      ("synth.valid_size", po::value<int64_t>()->default_value(defaults.valid_size), "labeled valid set (at most 5% of the pool)")
      ("synth.test_size", po::value<int64_t>()->default_value(defaults.test_size), "test problems");
}

SynthOptions synth_options(const JobContext& context) {
  SynthOptions options;
  const int64_t seed = context.get<int64_t>("synth.seed");
  check_range("synth.seed", static_cast<double>(seed), 0, 9.0e15);
  options.seed = static_cast<uint64_t>(seed);
  options.profile = parse_habit_profile(context.get<std::string>("synth.profile"));
  options.train_size = context.get<int64_t>("synth.train_size");
  options.pool_size = context.get<int64_t>("synth.pool_size");
  options.valid_size = context.get<int64_t>("synth.valid_size");
  options.test_size = context.get<int64_t>("synth.test_size");
  check_synth_options(options);
  return options;
}

int run(const JobContext& context) {
  const SynthOptions options = synth_options(context);  // every rank: a bad option fails everywhere alike
  const std::string dir = context.get<std::string>("synth.output_dir");
  const OutputClaim claim = claim_output("synth.output_dir", dir, OutputKind::directory, {});
  if (context.world.rank() == 0) {
    const SynthTask task = make_synth_task(options);
    write_synth_task(task, dir);
    int64_t jumping = 0;
    for (const auto& noun : train_style_counts(task)) jumping += noun[static_cast<size_t>(Style::jumping)];
    log_info0("synth: wrote ", task.train.size(), " train (", jumping, " jumping), ", task.pool.size(), " pool, ",
              task.valid.size(), " valid, ", task.test.size(), " test problems (", habit_profile_name(options.profile),
              " profile, seed ", options.seed, ") and the tokenizer / base_config.json to ", dir);
  }
  barrier();  // the task is complete on disk when any rank returns
  return 0;
}

}  // namespace jobs::synth

JobEntry synth_job() {
  return {"synth", "write the synthetic demo task: splits, word-level tokenizer, base model config", jobs::synth::describe, jobs::synth::run};
}

}  // namespace iwsi
