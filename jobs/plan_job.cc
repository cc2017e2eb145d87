// `iwsi plan` and `iwsi status`: the run's stage graph (plan.h) without running it.
//   iwsi plan [run options]   prints plan.h's TSV table (stdout, rank 0): every stage, the stages
//                             it comes after, its Slurm array and cell, whether it must run and why,
//                             its output. Writes nothing. What slurm/submit.sh submits.
//   iwsi status RUN_DIR       the same for a run directory's saved run.ini (its run.dir = RUN_DIR,
//                             wherever the run was first planned), as a table for people
//                             and a summary line; exits 0 when everything is done, 3 when not.
#include <cstdio>
#include <iostream>

#include "job.h"
#include "plan.h"

namespace iwsi {
namespace jobs::plan_cli {  // named, not anonymous: jobs/ compiles as one unity file

int print_plan(const JobContext& context) {
  const plan::Plan plan = plan::build_plan(context);
  const std::vector<plan::StageStatus> status = plan::plan_status(context, plan);
  if (world_rank_or_zero() == 0) std::cout << plan::plan_table(plan, status) << std::flush;
  return 0;
}

void describe_status(po::options_description& options) {
  options.add_options()("status.dir", po::value<std::string>()->required(),
                        "run directory (of iwsi run or slurm/submit.sh): reads its run.ini");
}

int print_status(const JobContext& context) {
  const std::string dir = context.get<std::string>("status.dir");
  const JobEntry& plan_entry = find_job("plan");
  JobContext run{context.world, "plan",
                 parse_job_options("plan", job_options(plan_entry), {"--config", dir + "/run.ini", "--run.dir", dir}, every_option_name()),
                 context.threads, context.started_at, context.numerics};
  const plan::Plan plan = plan::build_plan(run);
  const std::vector<plan::StageStatus> status = plan::plan_status(run, plan);
  if (world_rank_or_zero() != 0) return 0;
  size_t done = 0, width = 5;
  for (const plan::PlannedStage& stage : plan.stages) width = std::max(width, stage.id.size());
  std::printf("%-*s  %-6s  %-20s  %s\n", int(width), "stage", "", "why", "output");
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    // A stage that always runs (synth) is never what a run directory waits for.
    const bool always = plan.stages[i].done_file.empty();
    done += !status[i].must_run || always;
    std::printf("%-*s  %-6s  %-20s  %s\n", int(width), plan.stages[i].id.c_str(),
                always ? "always" : status[i].must_run ? "run" : "done", status[i].reason.c_str(),
                plan.stages[i].files.output.c_str());
  }
  std::printf("%s: %zu of %zu stages done\n", dir.c_str(), done, plan.stages.size());
  return done == plan.stages.size() ? 0 : 3;
}

}  // namespace jobs::plan_cli

JobEntry plan_job() {
  return {"plan", "print the run's stage graph (what iwsi run would do and why), for slurm/submit.sh",
          jobs::plan::describe_run_options, jobs::plan_cli::print_plan, /*answers_on_stdout=*/true};
}

JobEntry status_job() {
  return {"status", "iwsi status RUN_DIR: which stages of a run directory are done and up to date",
          jobs::plan_cli::describe_status, jobs::plan_cli::print_status, /*answers_on_stdout=*/true};
}

}  // namespace iwsi
