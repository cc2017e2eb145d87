// The table of batch jobs behind `iwsi JOB`: each job file defines one JobEntry (its options and
// its driver) and registry.cc lists them. A driver is thin: options -> typed config -> library ->
// committed HDF5 output.
#pragma once

#include <vector>

#include "core/config.h"
#include "runtime/runtime.h"

namespace iwsi {

struct JobEntry {
  const char* name;
  const char* summary;
  void (*describe)(po::options_description& options);  // adds the job's options ("section.key")
  int (*run)(const JobContext& context);                // returns the exit code
  bool answers_on_stdout = false;  // a query (plan, status): no start-up log to bury its answer
};

const std::vector<JobEntry>& all_jobs();
const JobEntry& find_job(const std::string& name);  // throws naming the unknown job

// Every option a job takes: its own, plus the runtime group.
po::options_description job_options(const JobEntry& job);
// The names of every option of every job (so a shared INI file may hold other jobs' sections).
std::set<std::string> every_option_name();

// Option groups shared by several jobs.
void describe_runtime_options(po::options_description& options);

// One line per job (defined in each job's file).
JobEntry check_job();
JobEntry decode_job();
JobEntry generate_job();
JobEntry weigh_job();
JobEntry judge_job();
JobEntry filter_job();
JobEntry bench_job();
JobEntry synth_job();
JobEntry train_job();
JobEntry eval_job();
JobEntry merge_job();
JobEntry run_job();
JobEntry plan_job();
JobEntry status_job();

}  // namespace iwsi
