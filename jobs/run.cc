// `iwsi run`: the whole pipeline of one configuration in one MPI job — optionally the synthetic
// task (into data.dir) and a base model trained from scratch on its labeled set (into model.path),
// then generate, weigh (and judge, for the self baseline), and for each strategy (and k) filter,
// train and evaluate, plus the base model's evaluation — and the accuracy table at the end. Each stage is the same job `iwsi STAGE` runs, called in-process with
// its inputs and outputs wired inside the run directory. A stage whose complete output already
// exists with the same settings and unchanged inputs (the output's provenance) is skipped, so a
// rerun after a crash, or with one more strategy, does only the missing work.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/log.h"
#include "job.h"
#include "pipeline/eval_file.h"
#include "pipeline/selection_file.h"
#include "select/strategy.h"
#include "runtime/stop_signal.h"
#include "store/attributes.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::run {  // named, not anonymous: jobs/ compiles as one unity file
namespace fs = std::filesystem;

const std::vector<std::string> kStages = {"synth", "generate", "weigh", "judge", "filter", "train", "eval"};
// The options the run sets for each stage itself (where files go, which strategy): not the user's.
const std::set<std::string> kWired = {
    "generate.output",  "weigh.candidates", "weigh.output",     "judge.candidates", "judge.output",
    "filter.candidates", "filter.weights",  "filter.judgments", "filter.strategy",  "filter.k",
    "filter.output",    "train.candidates", "train.selection",  "train.output_dir", "eval.adapter",
    "eval.output",      "synth.output_dir"};

// The options of every stage, each once, plus the run's own.
void describe(po::options_description& options) {
  options.add_options()
      ("run.dir", po::value<std::string>()->required(), "run directory: every stage's output goes here")
      ("run.strategies", po::value<std::string>()->default_value("lmsi,iwsi"), "comma-separated: none, lmsi, iwsi, entropy, self, rm, oracle, iwsi-w")
      ("run.ks", po::value<std::string>()->default_value("80"), "comma-separated k values for iwsi, entropy, self and rm")
      ("run.eval_base", po::value<bool>()->default_value(true)->implicit_value(true), "also evaluate the base model")
      ("run.synth", po::value<bool>()->default_value(false)->implicit_value(true), "first write the synthetic task into data.dir ([synth] options)")
      ("run.base", po::value<bool>()->default_value(false)->implicit_value(true), "first train the base model from scratch on data.dir/train.jsonl into model.path (full fine-tuning)")
      ("run.base_steps", po::value<int64_t>()->default_value(600), "optimizer steps of the base model")
      ("run.base_batch_size", po::value<int64_t>()->default_value(64), "global batch of the base model")
      ("run.base_lr", po::value<double>()->default_value(3e-3, "3e-3"), "peak learning rate of the base model");
  std::set<std::string> added = option_names(options);
  for (const std::string& stage : kStages) {
    po::options_description stage_options;
    find_job(stage).describe(stage_options);
    for (const auto& option : stage_options.options())
      if (!kWired.count(option->long_name()) && added.insert(option->long_name()).second) options.add(option);
  }
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

// A stage to run: the job, the options wired by the run, and the file that shows it is done.
struct Stage {
  std::string job, label, output;
  std::vector<std::pair<std::string, std::string>> wired;  // option -> value
  std::set<std::string> withheld = {};                     // user options the stage must not get
  std::string selection = "";  // train / eval of a strategy: skipped when this training set is empty
};

// Collective: the number of samples a (complete) selection file keeps.
int64_t kept_samples(const std::string& selection) {
  std::string kept;
  if (world_rank_or_zero() == 0)
    kept = std::to_string(int_attribute(open_output_for_read(selection, kSelectionSchema, kSelectionVersion), "kept"));
  return std::stoll(broadcast(kept));
}

// The stage's arguments: every option the user set for the run (file or command line) that the
// stage knows, except those the run wires itself, then the wired ones.
std::vector<std::string> stage_args(const JobContext& run, const Stage& stage) {
  std::set<std::string> wired;
  for (const auto& [name, value] : stage.wired) wired.insert(name);
  std::vector<std::string> args;
  for (const std::string& name : option_names(job_options(find_job(stage.job)))) {
    const auto found = run.options.values.find(name);
    if (found == run.options.values.end() || found->second.defaulted() || wired.count(name) ||
        stage.withheld.count(name))
      continue;
    for (const std::string& value : option_value_texts(found->second)) args.push_back("--" + name + "=" + value);
  }
  for (const auto& [name, value] : stage.wired) args.push_back("--" + name + "=" + value);
  return args;
}

// Collective: is `output` complete, made with these settings, from inputs that have not changed?
bool up_to_date(const std::string& output, const std::string& effective_ini) {
  std::string recorded_config, recorded_inputs;
  if (world_rank_or_zero() == 0 && fs::exists(output)) {
    try {
      H5Id file = h5_file(H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + output);
      if (has_attribute(file, "complete") && int_attribute(file, "complete") == 1) {
        recorded_config = string_attribute(file, "config");
        recorded_inputs = string_attribute(file, "inputs");
      }
    } catch (const Error&) {  // unreadable: not up to date
    }
  }
  recorded_config = broadcast(recorded_config);
  if (recorded_config.empty() || result_settings(recorded_config) != result_settings(effective_ini)) return false;
  const std::vector<InputRecord> recorded = inputs_from_json(broadcast(recorded_inputs));
  std::vector<std::string> paths;
  for (const InputRecord& input : recorded) paths.push_back(input.path);
  bool missing = false;
  for (const std::string& path : paths) missing |= !fs::exists(path);
  return !any_rank(missing) && describe_inputs(paths) == recorded;
}

// Runs the stage unless up to date; returns the stage's exit code (0 when skipped).
int run_stage(const JobContext& run, const Stage& stage) {
  if (!stage.selection.empty() && kept_samples(stage.selection) == 0) {
    // One strategy finding nothing to train on (a model whose answers never parse) is a result
    // to report, not a reason to lose the other strategies' work: `iwsi train` alone refuses it.
    log_warn0("run: ", stage.label, ": skipped, the training set ", stage.selection, " is empty");
    return 0;
  }
  const JobEntry& job = find_job(stage.job);
  JobContext context{run.world, job.name,
                     parse_job_options(job.name, job_options(job), stage_args(run, stage), every_option_name()),
                     run.threads, run.started_at};
  if (!stage.output.empty() && up_to_date(stage.output, context.options.effective_ini)) {
    log_info0("run: ", stage.label, ": up to date (", stage.output, "), skipped");
    return 0;
  }
  log_info0("run: ", stage.label, " ...");
  return job.run(context);
}

bool uses_k(const std::string& strategy) { return traits(parse_strategy(strategy, "strategy of --run.strategies")).uses_k; }

// Rank 0: the accuracy table of every evaluation of the run, printed and written as Markdown.
void write_accuracy_table(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& cells) {
  if (world_rank_or_zero() != 0) return;
  std::ostringstream table;
  table << "| strategy | k | training samples | accuracy (%) |\n|---|---|---|---|\n";
  for (const auto& [name, suffix] : cells) {
    std::string kept = "-", k = "-";
    if (name != "base") {
      H5Id selection = open_output_for_read(dir + "/select_" + suffix + ".h5", kSelectionSchema, kSelectionVersion);
      kept = std::to_string(int_attribute(selection, "kept"));
      if (uses_k(name)) k = cat(double_attribute(selection, "k"));
    }
    char accuracy[32] = "- (empty training set)";
    if (kept != "0") {
      H5Id eval = open_output_for_read(dir + "/eval_" + suffix + ".h5", kEvalSchema, kEvalVersion);
      std::snprintf(accuracy, sizeof accuracy, "%.1f", double_attribute(eval, "accuracy"));
    }
    table << "| " << name << " | " << k << " | " << kept << " | " << accuracy << " |\n";
  }
  std::ofstream(dir + "/accuracy.md") << table.str();
  log_info0("run: accuracy (", dir, "/accuracy.md)\n", table.str());
}

int run(const JobContext& context) {
  const std::string dir = context.get<std::string>("run.dir");
  const std::string candidates = dir + "/candidates.h5", weights = dir + "/weights.h5";
  const std::string judgments = dir + "/judgments.h5";
  std::vector<Stage> stages;
  const std::string task = context.get<std::string>("data.dir"), model = context.get<std::string>("model.path");
  if (context.get<bool>("run.synth"))  // seconds, deterministic: rewriting identical files changes no hash
    stages.push_back({"synth", "synth", "", {{"synth.output_dir", task}}});
  if (context.get<bool>("run.base"))
    stages.push_back({"train", "base model", model + "/train.h5",
                      {{"train.mode", "full"}, {"train.init_config", task + "/base_config.json"},
                       {"train.tokenizer", task}, {"train.jsonl", task + "/train.jsonl"}, {"train.output_dir", model},
                       {"train.max_steps", cat(context.get<int64_t>("run.base_steps"))},
                       {"train.batch_size", cat(context.get<int64_t>("run.base_batch_size"))},
                       {"train.lr", option_value_texts(context.options.values["run.base_lr"])[0]}},
                      {"model.path"}});  // it is this stage's output
  stages.push_back({"generate", "generate", candidates, {{"generate.output", candidates}}});
  const std::vector<std::string> strategies = split_list(context.get<std::string>("run.strategies"));
  bool need_weights = false, need_judgments = false;
  for (const std::string& name : strategies) {
    const StrategyTraits& t = traits(parse_strategy(name, "strategy of --run.strategies"));
    need_weights |= t.needs_weights, need_judgments |= t.needs_judgments;
  }
  // Only strategies that read DS weights need the valid set scored (OpenBookQA's has no rationales).
  if (need_weights)
    stages.push_back({"weigh", "weigh", weights, {{"weigh.candidates", candidates}, {"weigh.output", weights}}});
  if (need_judgments)
    stages.push_back({"judge", "judge", judgments, {{"judge.candidates", candidates}, {"judge.output", judgments}}});
  std::vector<std::pair<std::string, std::string>> cells;  // (strategy, file suffix)
  if (context.get<bool>("run.eval_base")) {
    stages.push_back({"eval", "eval base", dir + "/eval_base.h5", {{"eval.output", dir + "/eval_base.h5"}}});
    cells.emplace_back("base", "base");
  }
  for (const std::string& strategy : strategies) {
    const std::vector<std::string> ks = uses_k(strategy) ? split_list(context.get<std::string>("run.ks"))
                                                         : std::vector<std::string>{"100"};
    for (const std::string& k : ks) {
      const std::string suffix = uses_k(strategy) ? strategy + "_k" + k : strategy;
      const std::string selection = dir + "/select_" + suffix + ".h5", trained = dir + "/train_" + suffix;
      const StrategyTraits& t = traits(parse_strategy(strategy));
      Stage filter{"filter", "filter " + suffix, selection,
                   {{"filter.candidates", candidates}, {"filter.strategy", strategy}, {"filter.k", k},
                    {"filter.output", selection}}};
      if (t.needs_weights) filter.wired.emplace_back("filter.weights", weights);
      if (t.needs_judgments) filter.wired.emplace_back("filter.judgments", judgments);
      stages.push_back(filter);
      stages.push_back({"train", "train " + suffix, trained + "/train.h5",
                        {{"train.candidates", candidates}, {"train.selection", selection}, {"train.output_dir", trained}},
                        {}, selection});
      stages.push_back({"eval", "eval " + suffix, dir + "/eval_" + suffix + ".h5",
                        {{"eval.adapter", trained}, {"eval.output", dir + "/eval_" + suffix + ".h5"}}, {}, selection});
      cells.emplace_back(strategy, suffix);
    }
  }
  log_info0("run: ", stages.size(), " stages into ", dir);
  for (const Stage& stage : stages) {
    const int code = run_stage(context, stage);
    if (code == kExitRequeue) return code;  // stopped on a signal: a rerun resumes
    IWSI_CHECK(code == 0, "run: stage ", stage.label, " failed with exit code ", code);
  }
  write_accuracy_table(dir, cells);
  return 0;
}

}  // namespace jobs::run

JobEntry run_job() {
  return {"run", "the whole pipeline for one config: generate, weigh, filter/train/eval per strategy, base eval",
          jobs::run::describe, jobs::run::run};
}

}  // namespace iwsi
