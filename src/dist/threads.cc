#include "dist/threads.h"

#include <cstdlib>
#include <thread>

#include "core/error.h"

namespace iwsi {

ThreadChoice choose_threads(int configured, const char* slurm_cpus_per_task, int node_cores, int local_ranks) {
  if (configured > 0) return {configured, "config"};
  if (slurm_cpus_per_task && *slurm_cpus_per_task) {
    char* end = nullptr;
    const long value = std::strtol(slurm_cpus_per_task, &end, 10);
    IWSI_CHECK(*end == '\0' && value > 0, "SLURM_CPUS_PER_TASK='", slurm_cpus_per_task,
               "' is not a positive integer");
    return {static_cast<int>(value), "SLURM_CPUS_PER_TASK"};
  }
  const int per_rank = node_cores / (local_ranks > 0 ? local_ranks : 1);
  return {per_rank > 0 ? per_rank : 1, "cores/local ranks"};
}

ThreadChoice choose_threads(int configured, int local_ranks) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return choose_threads(configured, std::getenv("SLURM_CPUS_PER_TASK"), cores > 0 ? cores : 1, local_ranks);
}

}  // namespace iwsi
