// The run's stage graph (plan.h): built from [run], [data] and [model]; executed by jobs/run.cc,
// printed by `iwsi plan` and `iwsi status`.
#include "plan.h"

#include <charconv>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/text.h"
#include "pipeline/selection_file.h"
#include "select/strategy.h"
#include "store/attributes.h"
#include "store/h5.h"
#include "store/output_file.h"
#include "store/provenance.h"

namespace iwsi {
namespace jobs::plan {
namespace fs = std::filesystem;

// Which option of which job takes which of a stage's files: the one place stages are wired.
struct FileWire {
  const char* job;
  const char* option;
  std::string StageFiles::*file;
};
const FileWire kFileWiring[] = {
    {"synth", "synth.output_dir", &StageFiles::output},
    {"generate", "generate.output", &StageFiles::output},
    {"weigh", "weigh.candidates", &StageFiles::candidates},
    {"weigh", "weigh.output", &StageFiles::output},
    {"judge", "judge.candidates", &StageFiles::candidates},
    {"judge", "judge.output", &StageFiles::output},
    {"filter", "filter.candidates", &StageFiles::candidates},
    {"filter", "filter.weights", &StageFiles::weights},
    {"filter", "filter.judgments", &StageFiles::judgments},
    {"filter", "filter.output", &StageFiles::output},
    {"train", "train.candidates", &StageFiles::candidates},
    {"train", "train.selection", &StageFiles::selection},
    {"train", "train.output_dir", &StageFiles::output},
    {"eval", "eval.adapter", &StageFiles::adapter},
    {"eval", "eval.output", &StageFiles::output},
};
// Options the plan chooses per stage from [run] (run.strategies and run.ks); a value for them in a
// run's config would be silently overridden, so it is refused instead.
const char* const kChosenByRun[] = {"filter.strategy", "filter.k"};

// The jobs a run's stages are made of, in pipeline order (whose options `iwsi run` takes).
const char* const kStageJobs[] = {"synth", "generate", "weigh", "judge", "filter", "train", "eval"};

std::set<std::string> plan_owned_options() {
  std::set<std::string> names(std::begin(kChosenByRun), std::end(kChosenByRun));
  for (const FileWire& wire : kFileWiring) names.insert(wire.option);
  return names;
}

void describe_run_options(po::options_description& options) {
  options.add_options()
      ("run.dir", po::value<std::string>()->required(), "run directory: every stage's output goes here")
      ("run.strategies", po::value<std::string>()->default_value("lmsi,iwsi"), ("comma-separated, of: " + strategy_names()).c_str())
      ("run.ks", po::value<std::string>()->default_value("80"), "comma-separated k values (percent of D_c kept) for the strategies that take k (iwsi, entropy, self, rm, entropy-paper, self-paper)")
      ("run.temperatures", po::value<std::string>()->default_value(""), "comma-separated sampling temperatures, one generation each in run.dir/T<t>/ (\"\" = [sampling] temperature, no T<t>/)")
      ("run.until", po::value<std::string>()->default_value("eval"), "the last stage of each strategy: filter, train or eval")
      ("run.eval_base", po::value<bool>()->default_value(true)->implicit_value(true), "also evaluate the base model (with run.until = eval)")
      ("run.synth", po::value<bool>()->default_value(false)->implicit_value(true), "first write the synthetic task into data.dir ([synth] options)")
      ("run.base", po::value<bool>()->default_value(false)->implicit_value(true), "first train the base model from scratch on data.dir/train.jsonl into model.path (full fine-tuning)")
      ("run.base_steps", po::value<int64_t>()->default_value(600), "optimizer steps of the base model")
      ("run.base_batch_size", po::value<int64_t>()->default_value(64), "global batch of the base model")
      ("run.base_lr", po::value<double>()->default_value(3e-3, "3e-3"), "peak learning rate of the base model");
  std::set<std::string> added = option_names(options);
  const std::set<std::string> owned = plan_owned_options();
  for (const char* stage : kStageJobs) {
    po::options_description stage_options;
    find_job(stage).describe(stage_options);
    for (const auto& option : stage_options.options())
      if (!owned.count(option->long_name()) && added.insert(option->long_name()).second) options.add(option);
  }
  for (const std::string& name : owned)  // accepted only to be refused by name (build_plan)
    options.add_options()(name.c_str(), po::value<std::string>(), "set by the run's plan; not an option of iwsi run");
}

namespace {

// `text` as a number, or an error naming the option.
double number_of(const std::string& option, const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  IWSI_CHECK(error == std::errc() && end == text.data() + text.size(), "option --", option, ": '", text,
             "' is not a number");
  return value;
}

bool job_has_option(const std::string& job, const std::string& name) {
  return option_names(job_options(find_job(job))).count(name) > 0;
}

}  // namespace

Plan build_plan(const JobContext& run) {
  for (const std::string& name : plan_owned_options())
    IWSI_CHECK(!run.has(name), "iwsi ", run.job, ": option ", name, " is set by the run's plan (",
               name == "filter.strategy" ? "use run.strategies" : name == "filter.k" ? "use run.ks" : "its files live in run.dir",
               "); remove it from the config or command line");
  Plan plan;
  plan.dir = run.get<std::string>("run.dir");
  const std::string until = run.get<std::string>("run.until");
  IWSI_CHECK(until == "filter" || until == "train" || until == "eval", "option --run.until=", until,
             ": expected filter, train or eval");
  const bool with_train = until != "filter", with_eval = until == "eval";

  std::vector<Strategy> strategies;
  for (const std::string& name : split_commas(run.get<std::string>("run.strategies")))
    strategies.push_back(parse_strategy(name, "strategy of --run.strategies"));
  IWSI_CHECK(!strategies.empty() || run.get<bool>("run.eval_base"), "option --run.strategies is empty");
  std::vector<std::pair<std::string, double>> ks;  // (as written, value)
  for (const std::string& text : split_commas(run.get<std::string>("run.ks"))) {
    ks.emplace_back(text, number_of("run.ks", text));
    check_range("run.ks", ks.back().second, 0, 100, /*low_open=*/true);
  }
  bool uses_k = false, needs_weights = false, needs_judgments = false;
  for (Strategy s : strategies) {
    uses_k |= traits(s).uses_k, needs_weights |= traits(s).needs_weights, needs_judgments |= traits(s).needs_judgments;
  }
  IWSI_CHECK(!uses_k || !ks.empty(), "option --run.ks is empty, but a strategy of --run.strategies takes k");
  std::vector<std::pair<std::string, double>> temperatures;
  for (const std::string& text : split_commas(run.get<std::string>("run.temperatures"))) {
    temperatures.emplace_back(text, number_of("run.temperatures", text));
    check_range("run.temperatures", temperatures.back().second, 0, 100);
  }

  const std::string task = run.get<std::string>("data.dir"), model = run.get<std::string>("model.path");
  std::vector<std::string> roots;  // the stages every model-reading stage comes after
  if (run.get<bool>("run.synth")) {  // seconds, deterministic: rewriting identical files changes no hash
    plan.stages.push_back({"synth", "synth", {}, "", "", {}, "", {}});
    plan.stages.back().files.output = task;
    roots = {"synth"};
  }
  if (run.get<bool>("run.base")) {
    PlannedStage base{"base-model", "train", roots, "", "", {}, model + "/train.h5",
                      {{"train.mode", std::string("full")},
                       {"train.init_config", task + "/base_config.json"},
                       {"train.tokenizer", task},
                       {"train.jsonl", task + "/train.jsonl"},
                       {"train.max_steps", run.get<int64_t>("run.base_steps")},
                       {"train.batch_size", run.get<int64_t>("run.base_batch_size")},
                       {"train.lr", run.get<double>("run.base_lr")}},
                      {"model.path"}};  // it is this stage's output
    base.files.output = model;
    plan.stages.push_back(base);
    roots = {"base-model"};
  }
  const std::string top = plan.dir + "/";
  if (with_eval && run.get<bool>("run.eval_base")) {
    PlannedStage eval{"eval-base", "eval", roots, "", "", {}, top + "eval-base.h5", {}};
    eval.files.output = eval.done_file;
    plan.stages.push_back(eval);
    plan.results.push_back({"base", "", "", "", eval.done_file});
  }

  if (temperatures.empty()) temperatures.emplace_back("", 0);  // the [sampling] temperature, no T<t>/
  for (const auto& [t_text, t_value] : temperatures) {
    const std::string prefix = t_text.empty() ? "" : "T" + t_text + "/", dir = top + prefix;
    // The temperature of this T<t>/, for every stage of it whose job has the option.
    auto at_temperature = [&, t_text = t_text, t_value = t_value](PlannedStage stage) {
      if (!t_text.empty() && job_has_option(stage.job, "sampling.temperature"))
        stage.settings["sampling.temperature"] = t_value;
      return stage;
    };
    StageFiles scored;
    scored.candidates = dir + "candidates.h5";
    PlannedStage generate{prefix + "generate", "generate", roots, "", "", {}, scored.candidates, {}};
    generate.files.output = scored.candidates;
    plan.stages.push_back(at_temperature(generate));
    // weigh and judge: one scoring file of the candidates each, after generate.
    auto add_scoring = [&](const std::string& job, const std::string& file) {
      PlannedStage stage{prefix + job, job, {generate.id}, "", "", {}, dir + file, {}};
      stage.files.candidates = scored.candidates;
      stage.files.output = stage.done_file;
      plan.stages.push_back(at_temperature(stage));
      return stage.done_file;
    };
    if (needs_weights) scored.weights = add_scoring("weigh", "weights.h5");
    if (needs_judgments) scored.judgments = add_scoring("judge", "judgments.h5");
    for (Strategy strategy : strategies) {
      const StrategyTraits& t = traits(strategy);
      const auto strategy_ks = t.uses_k ? ks : std::vector<std::pair<std::string, double>>{{"", 100.0}};
      for (const auto& [k_text, k_value] : strategy_ks) {
        const std::string name = std::string(t.name) + (t.uses_k ? "-k" + k_text : "");
        const std::string array = prefix + "cells";
        PlannedStage filter{prefix + "filter-" + name, "filter", {}, array, name, {}, dir + "filter-" + name + ".h5",
                            {{"filter.strategy", std::string(t.name)}, {"filter.k", k_value}}};
        filter.files.candidates = scored.candidates;
        filter.after = {generate.id};
        if (t.needs_weights) filter.files.weights = scored.weights, filter.after.push_back(prefix + "weigh");
        if (t.needs_judgments) filter.files.judgments = scored.judgments, filter.after.push_back(prefix + "judge");
        filter.files.output = filter.done_file;
        plan.stages.push_back(at_temperature(filter));
        if (!with_train) continue;
        const std::string trained = dir + "train-" + name;
        PlannedStage train{prefix + "train-" + name, "train", {filter.id}, array, name, {}, trained + "/train.h5", {}};
        train.files.candidates = scored.candidates;
        train.files.selection = filter.done_file;
        train.files.output = trained;
        train.needs_kept = filter.done_file;
        plan.stages.push_back(at_temperature(train));
        if (!with_eval) continue;
        PlannedStage eval{prefix + "eval-" + name, "eval", {train.id}, array, name, {}, dir + "eval-" + name + ".h5", {}};
        eval.files.adapter = trained;
        eval.files.output = eval.done_file;
        eval.needs_kept = filter.done_file;
        plan.stages.push_back(at_temperature(eval));
        plan.results.push_back({t.name, t.uses_k ? k_text : "", t_text, filter.done_file, eval.done_file});
      }
    }
  }
  return plan;
}

ParsedOptions stage_options(const JobContext& run, const PlannedStage& stage) {
  const po::options_description options = job_options(find_job(stage.job));
  std::map<std::string, boost::any> chosen = stage.settings;
  for (const FileWire& wire : kFileWiring)
    if (stage.job == wire.job && !(stage.files.*wire.file).empty()) chosen[wire.option] = stage.files.*wire.file;
  const std::set<std::string> owned = plan_owned_options();
  const std::set<std::string> withheld(stage.withheld.begin(), stage.withheld.end());
  ParsedOptions parsed;
  parsed.config_file = run.options.config_file;
  for (const auto& option : options.options()) {
    const std::string& name = option->long_name();
    boost::any fallback;
    const bool has_default = option->semantic()->apply_default(fallback);
    const auto from_run = run.options.values.find(name);
    if (const auto found = chosen.find(name); found != chosen.end()) {
      parsed.values.emplace(name, po::variable_value(found->second, false));
    } else if (from_run != run.options.values.end() && !owned.count(name) && !withheld.count(name)) {
      // The same option object of the same job, so the same type; checked all the same, as a
      // mismatch would only show as a bad_any_cast deep inside the job.
      IWSI_ASSERT(!has_default || fallback.type() == from_run->second.value().type(), "option ", name, " of iwsi ",
                  stage.job, " has another type in iwsi run");
      parsed.values.emplace(name, from_run->second);
    } else if (has_default) {
      parsed.values.emplace(name, po::variable_value(fallback, true));
    }
  }
  for (const auto& [name, value] : chosen)
    IWSI_ASSERT(parsed.values.count(name), "iwsi ", stage.job, " has no option ", name, " (stage ", stage.id, ")");
  for (const auto& option : options.options())
    IWSI_CHECK(parsed.values.count(option->long_name()) || !option->semantic()->is_required(), "iwsi run: stage ",
               stage.id, " needs option --", option->long_name());
  parsed.effective_ini = to_ini(options, parsed.values);
  return parsed;
}

namespace {

// Collective: the samples a complete selection file keeps; -1 when it is not complete.
int64_t kept_samples(const std::string& selection) {
  std::string kept = "-1";
  if (world_rank_or_zero() == 0 && is_complete_output(selection, kSelectionSchema))
    kept = std::to_string(selection_kept(selection));
  return std::stoll(broadcast(kept));
}

// Collective: why `output` is or is not the result of `effective_ini` from its recorded inputs now.
std::string freshness(const std::string& output, const std::string& effective_ini) {
  std::string recorded_config, recorded_inputs, state = "missing";
  if (world_rank_or_zero() == 0 && fs::exists(output)) {
    state = "incomplete";
    try {
      H5Id file = h5_file(H5Fopen(output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + output);
      if (has_attribute(file, "complete") && int_attribute(file, "complete") == 1) {
        recorded_config = string_attribute(file, "config");
        recorded_inputs = string_attribute(file, "inputs");
        state = "";
      }
    } catch (const Error&) {  // unreadable: not up to date
    }
  }
  state = broadcast(state);
  if (!state.empty()) return state;
  if (result_settings(broadcast(recorded_config)) != result_settings(effective_ini)) return "settings changed";
  const std::vector<InputRecord> recorded = inputs_from_json(broadcast(recorded_inputs));
  std::vector<std::string> paths;
  bool missing = false;
  for (const InputRecord& input : recorded) paths.push_back(input.path), missing |= !fs::exists(input.path);
  if (any_rank(missing)) return "an input is missing";
  return describe_inputs(paths) == recorded ? "up to date" : "inputs changed";
}

}  // namespace

bool training_set_empty(const PlannedStage& stage) { return !stage.needs_kept.empty() && kept_samples(stage.needs_kept) == 0; }

StageStatus stage_status(const JobContext& run, const PlannedStage& stage) {
  if (stage.done_file.empty()) return {true, "always runs"};
  if (training_set_empty(stage)) return {false, "empty training set"};
  const std::string why = freshness(stage.done_file, stage_options(run, stage).effective_ini);
  return {why != "up to date", why};
}

bool forces_after(const PlannedStage& stage, const StageStatus& status) {
  return status.must_run && !stage.done_file.empty();
}

std::vector<StageStatus> plan_status(const JobContext& run, const Plan& plan) {
  std::vector<StageStatus> status;
  std::map<std::string, bool> must_run;
  for (const PlannedStage& stage : plan.stages) {
    std::string upstream;
    for (const std::string& id : stage.after)
      if (must_run.at(id)) upstream = id;
    status.push_back(upstream.empty() ? stage_status(run, stage) : StageStatus{true, "after " + upstream});
    must_run[stage.id] = forces_after(stage, status.back());
  }
  return status;
}

std::string plan_table(const Plan& plan, const std::vector<StageStatus>& status) {
  auto field = [](const std::string& text) { return text.empty() ? std::string("-") : text; };
  std::ostringstream out;
  out << "# id\tjob\tafter\tarray\tcell\tstatus\treason\toutput\n";
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    const PlannedStage& s = plan.stages[i];
    std::string after;
    for (const std::string& id : s.after) after += (after.empty() ? "" : ",") + id;
    out << s.id << '\t' << s.job << '\t' << field(after) << '\t' << field(s.array) << '\t' << field(s.cell) << '\t'
        << (i < status.size() ? (status[i].must_run ? "run" : "done") : "-") << '\t'
        << (i < status.size() ? status[i].reason : "-") << '\t' << field(s.files.output) << '\n';
  }
  return out.str();
}

void save_plan(const JobContext& run, const Plan& plan, const std::vector<StageStatus>& status) {
  if (world_rank_or_zero() != 0) return;
  po::options_description options;
  describe_run_options(options);
  fs::create_directories(plan.dir);
  write_file_atomically(plan.dir + "/run.ini", to_ini(options, run.options.values));
  write_file_atomically(plan.dir + "/plan.tsv", plan_table(plan, status));
}

}  // namespace jobs::plan
}  // namespace iwsi
