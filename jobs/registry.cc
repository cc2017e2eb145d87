// The list of jobs `iwsi` knows, in the order `iwsi --help` shows them (pipeline order).
#include "job.h"

#include "core/error.h"

namespace iwsi {

const std::vector<JobEntry>& all_jobs() {
  static const std::vector<JobEntry> jobs = {synth_job(), generate_job(), weigh_job(), judge_job(), filter_job(), train_job(),
                                             eval_job(), run_job(), plan_job(), status_job(), merge_job(), decode_job(), bench_job(), check_job()};
  return jobs;
}

const JobEntry& find_job(const std::string& name) {
  for (const JobEntry& job : all_jobs())
    if (name == job.name) return job;
  fail("unknown job '", name, "' (iwsi --help lists the jobs)");
}

po::options_description job_options(const JobEntry& job) {
  po::options_description options(std::string("iwsi ") + job.name + " options");
  job.describe(options);
  describe_runtime_options(options);
  return options;
}

std::set<std::string> every_option_name() {
  std::set<std::string> names;
  for (const JobEntry& job : all_jobs()) {
    const std::set<std::string> mine = option_names(job_options(job));
    names.insert(mine.begin(), mine.end());
  }
  return names;
}

void describe_runtime_options(po::options_description& options) {
  options.add_options()
      ("runtime.threads", po::value<int>()->default_value(0),
       "compute threads per rank; 0 = SLURM_CPUS_PER_TASK, else cores / ranks on the node")
      ("runtime.numerics", po::value<std::string>()->default_value("deterministic"),
       "deterministic: the same bits on every AVX2+FMA CPU and for any thread count (libtorch's CPU kernels "
       "pinned to AVX2 and one thread, products in our own loops); native: libtorch and BLAS as they come")
      ("runtime.stall_timeout", po::value<double>()->default_value(1800),
       "seconds without progress on a rank (a stopped or hung rank) after which the job ends with a message; 0 = never");
}

}  // namespace iwsi
