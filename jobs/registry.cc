// The list of jobs `iwsi` knows, in the order `iwsi --help` shows them (pipeline order).
#include "job.h"

namespace iwsi {

const std::vector<JobEntry>& all_jobs() {
  static const std::vector<JobEntry> jobs = {check_job(), decode_job(), generate_job(), weigh_job(), filter_job(), bench_job()};
  return jobs;
}

void describe_runtime_options(po::options_description& options) {
  options.add_options()("runtime.threads", po::value<int>()->default_value(0),
                        "compute threads per rank; 0 = SLURM_CPUS_PER_TASK, else cores / ranks on the node");
}

}  // namespace iwsi
