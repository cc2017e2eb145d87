// The stage graph of one run directory, owned by the binary: which jobs run, on which files, after
// which stages, and how to tell that a stage's output is up to date. `iwsi run` executes it
// in-process, `iwsi plan` prints it for the Slurm submitter (slurm/submit.sh), and `iwsi status`
// says how far a run directory has got, so a stage, strategy or file name is added here only.
//
// One naming scheme, relative to run.dir (with run.temperatures, each temperature's stages and
// files sit in T<t>/ and the base model's evaluation stays at the top):
//   generate -> candidates.h5     weigh -> weights.h5     judge -> judgments.h5    eval-base -> eval-base.h5
//   filter-S[-kK] -> filter-S[-kK].h5  train-S[-kK] -> train-S[-kK]/  eval-S[-kK] -> eval-S[-kK].h5
// One skip rule: a stage is up to date when its output is complete, was made with the settings the
// stage would run with now and from inputs whose digests are unchanged (the output's provenance),
// and no stage before it must run.
#pragma once

#include <boost/any.hpp>
#include <map>
#include <string>
#include <vector>

#include "job.h"

namespace iwsi {
namespace jobs::plan {  // named, not anonymous: jobs/ compiles as one unity file

// The files of a stage inside the run directory; kFileWiring (plan.cc) says which of its job's
// options takes which.
struct StageFiles {
  std::string candidates, weights, judgments, selection, adapter;
  std::string output;  // the file or directory the job writes
};

struct PlannedStage {
  std::string id;   // unique in the plan; also the stem of its Slurm log ("T0.7/filter-iwsi-k80")
  std::string job;  // the `iwsi JOB` that runs it
  std::vector<std::string> after;  // the stages whose outputs it reads
  std::string array, cell;  // a cell (filter -> train -> eval of one strategy and k) runs as one
                            // task of its array on Slurm; both "" for a stage of its own
  StageFiles files;
  std::string done_file;  // the output whose provenance tells whether the stage is up to date ("" = always runs)
  std::map<std::string, boost::any> settings;  // option values the plan chooses (strategy, k, temperature)
  std::vector<std::string> withheld = {};      // run options the stage must not get (it writes them)
  std::string needs_kept = "";                 // a selection file: nothing to do when it keeps no sample
};

// One evaluated cell of the run's accuracy table.
struct PlannedResult {
  std::string strategy, k, temperature;  // k and temperature "" when they do not apply
  std::string selection, eval;           // files ("" selection for the base model)
};

struct Plan {
  std::string dir;
  std::vector<PlannedStage> stages;
  std::vector<PlannedResult> results;
};

// The options of `iwsi run` / `iwsi plan`: every stage's own, each once, less the ones the plan
// wires, plus [run].
void describe_run_options(po::options_description& options);

// Throws naming the option on a bad strategy, k, temperature or `until`.
Plan build_plan(const JobContext& run);

// The options the stage's job runs with: the run's values for every option the job has, the
// plan's files and settings on top; typed values throughout, never re-parsed text.
ParsedOptions stage_options(const JobContext& run, const PlannedStage& stage);

struct StageStatus {
  bool must_run;
  std::string reason;  // "up to date", "missing", "settings changed", "after generate", ...
};

// Whether the stages after `stage` must run because it runs. Not for a stage that always runs
// (synth: deterministic, so rewriting identical files changes no digest): those after it decide by
// their inputs' digests.
bool forces_after(const PlannedStage& stage, const StageStatus& status);

// Collective: every stage's status in plan order; a stage after one that must run must run too.
std::vector<StageStatus> plan_status(const JobContext& run, const Plan& plan);

// Collective: whether this one stage is up to date now (upstream stages not considered).
StageStatus stage_status(const JobContext& run, const PlannedStage& stage);

// Collective: the stage has a selection file to train on (needs_kept), complete, keeping no sample.
bool training_set_empty(const PlannedStage& stage);

// The plan as TSV, one stage per line: id job after array cell status reason output (after is a
// comma-separated list, "-" for an empty field). slurm/submit.sh reads this; so does analysis/.
std::string plan_table(const Plan& plan, const std::vector<StageStatus>& status);

// Rank 0: run.dir/run.ini (every option of the run with its value, which `iwsi status` reads back)
// and run.dir/plan.tsv (plan_table). `iwsi run` saves them; slurm/submit.sh writes the same two.
void save_plan(const JobContext& run, const Plan& plan, const std::vector<StageStatus>& status);

}  // namespace jobs::plan
}  // namespace iwsi
