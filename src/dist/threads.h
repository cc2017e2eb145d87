// How many compute threads each rank uses. Precedence: an explicit setting (> 0), else Slurm's
// SLURM_CPUS_PER_TASK, else this node's cores divided among the ranks on it (at least 1), so that
// ranks on one node never oversubscribe the cores by default.
#pragma once

#include <string>

namespace iwsi {

struct ThreadChoice {
  int threads = 1;
  std::string source;  // "config", "SLURM_CPUS_PER_TASK" or "cores/local ranks", for the log
};

// Pure: all inputs explicit (tests use it without a world or an environment).
ThreadChoice choose_threads(int configured, const char* slurm_cpus_per_task, int node_cores, int local_ranks);
// Reads SLURM_CPUS_PER_TASK and the core count of this machine.
ThreadChoice choose_threads(int configured, int local_ranks);

}  // namespace iwsi
