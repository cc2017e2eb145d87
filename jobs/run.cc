// `iwsi run`: the whole pipeline of one configuration in one MPI job, the stage graph of
// jobs/plan.h executed in-process: optionally the synthetic task (into data.dir) and a base model
// trained from scratch on its labeled set (into model.path), then generate, weigh (and judge, for
// the self baseline), and for each strategy (and k, and temperature) filter, train and evaluate,
// plus the base model's evaluation, and the accuracy table at the end. A stage whose output is up
// to date (plan.h's one skip rule) is skipped, so a rerun after a crash, or with one more
// strategy, does only the missing work. `--run.only` runs some stages of the plan: what one Slurm
// job of slurm/submit.sh does.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.h"
#include "core/log.h"
#include "data/text.h"
#include "job.h"
#include "pipeline/eval_file.h"
#include "pipeline/selection_file.h"
#include "plan.h"
#include "runtime/stop_signal.h"
#include "store/attributes.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::run {  // named, not anonymous: jobs/ compiles as one unity file
namespace fs = std::filesystem;
using plan::Plan;
using plan::PlannedStage;
using plan::StageStatus;

void describe(po::options_description& options) {
  plan::describe_run_options(options);
  options.add_options()
      ("run.only", po::value<std::string>()->default_value(""), "comma-separated stage ids (iwsi plan lists them): run only these, in plan order (\"\" = all)")
      ("run.receipt", po::value<std::string>()->default_value(""), "file written when every stage run asked for is done (how a Slurm job knows its ranks ran)");
}

// Rank 0: the accuracy table of every evaluation of the run, printed and written as Markdown.
void write_accuracy_table(const Plan& plan) {
  if (world_rank_or_zero() != 0) return;
  if (plan.results.empty()) {
    log_info0("run: done; nothing was evaluated (run.until stops before eval)");
    return;
  }
  bool by_temperature = false;
  for (const plan::PlannedResult& r : plan.results) by_temperature |= !r.temperature.empty();
  std::ostringstream table;
  table << "| strategy | k |" << (by_temperature ? " T |" : "") << " training samples | accuracy (%) |\n|---|---|"
        << (by_temperature ? "---|" : "") << "---|---|\n";
  for (const plan::PlannedResult& r : plan.results) {
    std::string kept = "-";
    if (!r.selection.empty())
      kept = std::to_string(selection_kept(r.selection));
    char accuracy[32] = "- (empty training set)";
    if (kept != "0")
      std::snprintf(accuracy, sizeof accuracy, "%.1f",
                    double_attribute(open_output_for_read(r.eval, kEvalSchema, kEvalVersion), "accuracy"));
    table << "| " << r.strategy << " | " << (r.k.empty() ? "-" : r.k) << " | "
          << (by_temperature ? (r.temperature.empty() ? "-" : r.temperature) + " | " : "") << kept << " | "
          << accuracy << " |\n";
  }
  write_file_atomically(plan.dir + "/accuracy.md", table.str());
  log_info0("run: accuracy (", plan.dir, "/accuracy.md)\n", table.str());
}

// Runs the stage unless `status` says it is done; returns its exit code (0 when skipped).
int run_stage(const JobContext& run, const PlannedStage& stage, StageStatus& status) {
  if (!status.must_run) {
    if (status.reason == "up to date")
      log_info0("run: ", stage.id, ": up to date (", stage.done_file, "), skipped");
    else
      log_warn0("run: ", stage.id, ": skipped, ", status.reason);
    return 0;
  }
  if (plan::training_set_empty(stage)) {
    // One strategy finding nothing to train on (a model whose answers never parse) is a result
    // to report, not a reason to lose the other strategies' work: `iwsi train` alone refuses it.
    log_warn0("run: ", stage.id, ": skipped, the training set ", stage.needs_kept, " is empty");
    status = {false, "empty training set"};
    return 0;
  }
  const JobEntry& job = find_job(stage.job);
  JobContext context{run.world, job.name, plan::stage_options(run, stage), run.threads, run.started_at, run.numerics};
  log_info0("run: ", stage.id, " (", status.reason, ") ...");
  return job.run(context);
}

int run(const JobContext& context) {
  const Plan plan = plan::build_plan(context);
  const std::vector<std::string> only = split_commas(context.get<std::string>("run.only"));
  std::set<std::string> ids, wanted(only.begin(), only.end());
  for (const PlannedStage& stage : plan.stages) ids.insert(stage.id);
  for (const std::string& id : only)
    IWSI_CHECK(ids.count(id), "option --run.only: no stage '", id, "' in the plan of ", plan.dir,
               " (iwsi plan lists them)");
  const std::string receipt = context.get<std::string>("run.receipt");
  if (world_rank_or_zero() == 0) {
    fs::create_directories(plan.dir);
    if (!receipt.empty()) fs::remove(receipt);
  }
  log_info0("run: ", only.empty() ? plan.stages.size() : only.size(), " stages into ", plan.dir);
  std::map<std::string, bool> ran;  // stages run by this invocation: those after them run too
  std::vector<StageStatus> status;
  for (const PlannedStage& stage : plan.stages) {
    if (!wanted.empty() && !wanted.count(stage.id)) {
      status.push_back({false, "not asked for"});
      continue;
    }
    std::string upstream;
    for (const std::string& id : stage.after)
      if (ran[id]) upstream = id;
    status.push_back(upstream.empty() ? plan::stage_status(context, stage) : StageStatus{true, "after " + upstream});
    const int code = run_stage(context, stage, status.back());
    if (code == kExitRequeue) return code;  // stopped on a signal: a rerun resumes
    IWSI_CHECK(code == 0, "run: stage ", stage.id, " failed with exit code ", code);
    ran[stage.id] = plan::forces_after(stage, status.back());
  }
  if (only.empty()) {
    plan::save_plan(context, plan, status);
    write_accuracy_table(plan);
  }
  if (!receipt.empty() && world_rank_or_zero() == 0) write_file_atomically(receipt, "done\n");
  return 0;
}

}  // namespace jobs::run

JobEntry run_job() {
  return {"run", "the whole pipeline for one config: generate, weigh, filter/train/eval per strategy, base eval",
          jobs::run::describe, jobs::run::run};
}

}  // namespace iwsi
