#include "runtime/watchdog.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <string>

#include "core/heartbeat.h"
#include "core/log.h"
#include "core/progress.h"
#include "runtime/stop_signal.h"

namespace iwsi {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(100);
// A tick that took this much longer than asked means this process was not running (suspended).
constexpr double kSuspendedGapS = 2.0;

std::string collective_name(const char* call) {  // "MPI_Allreduce(&value, ...)" -> "MPI_Allreduce"
  const std::string text = call;
  return text.substr(0, text.find('('));
}

}  // namespace

Watchdog::Watchdog(const World& world, std::string job, double stall_timeout_s)
    : world_(world), job_(std::move(job)), stall_timeout_s_(stall_timeout_s) {
  heartbeat();
  thread_ = std::thread([this] { watch(); });
}

Watchdog::~Watchdog() {
  done_ = true;
  if (thread_.joinable()) thread_.join();
}

void Watchdog::watch() {
  auto last_tick = Clock::now();
  while (!done_) {
    std::this_thread::sleep_for(kTick);
    const auto now = Clock::now();
    const double gap = std::chrono::duration<double>(now - last_tick).count();
    last_tick = now;
    if (gap > kSuspendedGapS) forgive_silence();

    if (stop_requested() && !stopping_at_safe_points()) {
      const int signal = stop_signal_number();
      // mpirun also ends the other ranks with SIGTERM when one rank fails: say so, or the
      // failing rank's error reads as if a time limit had struck.
      const char* senders = signal == SIGTERM ? ": a time limit, scancel, or mpirun ending the job after a rank's error" : "";
      log_warn("iwsi ", job_, ": stopped by signal ", signal, " (", strsignal(signal), senders, ") before it finished; ",
               "no output was committed (unfinished files end in .tmp); exit ", kExitRequeue,
               " so that Slurm may requeue it");
      std::fflush(nullptr);
      _exit(kExitRequeue);
    }
    if (stall_timeout_s_ <= 0) continue;
    const Pulse p = pulse();
    if (p.seconds_since_beat < stall_timeout_s_) continue;
    if (p.waiting_in)
      log_error("iwsi ", job_, ": no progress for ", format_duration(p.seconds_since_beat), ": this rank waits in ",
                collective_name(p.waiting_in), " for the other ranks, and at least one of them has stopped ",
                "(SIGSTOP, a hung file system, a lost node); ending the job (--runtime.stall_timeout=",
                stall_timeout_s_, ")");
    else
      log_error("iwsi ", job_, ": no progress for ", format_duration(p.seconds_since_beat),
                " on this rank (a hung file system or device?); ending the job (--runtime.stall_timeout=",
                stall_timeout_s_, ")");
    std::fflush(nullptr);
    if (world_.size() > 1) world_.abort(1);
    _exit(1);
  }
}

}  // namespace iwsi
