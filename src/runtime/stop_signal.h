// Graceful stop on a signal: Slurm sends SIGUSR1 (with --signal) or SIGTERM before a time limit or
// a preemption. The handler only sets a flag; long loops check `stop_requested_everywhere()` at
// their safe points (after a chunk, after an optimizer step), write a checkpoint and exit with
// kExitRequeue, so a requeued job resumes where it stopped. The flag is process-wide by nature
// (a signal is); everything else stays out of global state.
#pragma once

namespace iwsi {

// Exit code of a job that stopped on a signal after saving its state (EX_TEMPFAIL: "try again").
inline constexpr int kExitRequeue = 75;

void install_stop_signal_handlers();  // SIGUSR1, SIGTERM
bool stop_requested();                // this rank received one
// Collective: true on every rank when any rank received one, so all ranks stop at the same point.
bool stop_requested_everywhere();

}  // namespace iwsi
