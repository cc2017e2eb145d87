// A thread beside every job that makes sure it ends:
// - a stop signal (SIGTERM, SIGUSR1, SIGINT) outside a StopAtSafePoints scope ends the process at
//   once with exit 75 (runtime/stop_signal.h), so a Slurm time limit never has to SIGKILL a job;
// - no heartbeat (core/heartbeat.h) for `stall_timeout_s` seconds ends the whole job with a message
//   saying what this rank waits in: a rank stopped with SIGSTOP, hung on a file system or lost with
//   its node would otherwise hold the allocation until the time limit.
// A suspended process (scontrol suspend: SIGSTOP to every rank, then SIGCONT) is not a stall: the
// watchdog notices that it was itself not running and starts counting again.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "dist/world.h"

namespace iwsi {

class Watchdog {
 public:
  // stall_timeout_s <= 0: no stall check.
  Watchdog(const World& world, std::string job, double stall_timeout_s);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void watch();
  const World& world_;
  std::string job_;
  double stall_timeout_s_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace iwsi
