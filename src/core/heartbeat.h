// The pulse of a job, read by the stall watchdog (runtime/watchdog.h). Long loops call heartbeat()
// when they make progress (a chunk, a decode step, an optimizer step, a tensor loaded); blocking
// collectives mark what they wait in, so a watchdog that finds no pulse can say whether this rank
// is stuck itself or waiting for another one (stopped, hung, on a dead node). Process-wide by
// nature, like the stop flag: one job per process.
#pragma once

namespace iwsi {

void heartbeat();  // this rank made progress now

// Marks a blocking collective (MPI_Allreduce, ...) for the watchdog's message; a beat on exit.
class WaitingIn {
 public:
  explicit WaitingIn(const char* what);
  ~WaitingIn();
  WaitingIn(const WaitingIn&) = delete;
  WaitingIn& operator=(const WaitingIn&) = delete;
};

struct Pulse {
  double seconds_since_beat = 0;
  const char* waiting_in = nullptr;  // the collective this rank waits in, if any
};
Pulse pulse();
// Treat now as a beat without progress (after the process itself was suspended: SIGSTOP/SIGCONT).
void forgive_silence();

}  // namespace iwsi
