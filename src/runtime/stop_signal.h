// Graceful stop on a signal: Slurm sends SIGUSR1 (with --signal) or SIGTERM before a time limit or
// a preemption. The handler only records the signal. Jobs whose long loop saves its state at safe
// points (generate: after a chunk; train: after an optimizer step) hold a `StopAtSafePoints` scope
// and check `stop_requested_everywhere()` there, write a checkpoint and exit with kExitRequeue, so
// a requeued job resumes where it stopped. Outside such a scope (every other job, and generate or
// train before their loop) there is nothing to save: the watchdog (runtime/watchdog.h) ends the
// process at once with kExitRequeue, leaving only `.tmp` files. The flag is process-wide by nature
// (a signal is); everything else stays out of global state.
#pragma once

namespace iwsi {

// Exit code of a job that stopped on a signal (EX_TEMPFAIL: "try again").
inline constexpr int kExitRequeue = 75;

void install_stop_signal_handlers();  // SIGUSR1, SIGTERM, SIGINT
bool stop_requested();                // this rank received one
int stop_signal_number();             // which one (0 = none)
// Collective: true on every rank when any rank received one, so all ranks stop at the same point.
bool stop_requested_everywhere();

// While one exists, a stop signal waits for the job's next safe point instead of ending it.
class StopAtSafePoints {
 public:
  StopAtSafePoints();
  ~StopAtSafePoints();
  StopAtSafePoints(const StopAtSafePoints&) = delete;
  StopAtSafePoints& operator=(const StopAtSafePoints&) = delete;
};
bool stopping_at_safe_points();

}  // namespace iwsi
