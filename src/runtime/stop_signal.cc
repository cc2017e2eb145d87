#include "runtime/stop_signal.h"

#include <atomic>
#include <csignal>

#include "dist/world.h"

namespace iwsi {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;
std::atomic<int> g_safe_point_scopes{0};

extern "C" void on_stop_signal(int signal) { g_stop_signal = signal; }

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGUSR1, SIGTERM, SIGINT}) sigaction(signal, &action, nullptr);
}

bool stop_requested() { return g_stop_signal != 0; }

int stop_signal_number() { return g_stop_signal; }

bool stop_requested_everywhere() { return any_rank(stop_requested()); }

StopAtSafePoints::StopAtSafePoints() { ++g_safe_point_scopes; }
StopAtSafePoints::~StopAtSafePoints() { --g_safe_point_scopes; }
bool stopping_at_safe_points() { return g_safe_point_scopes.load() > 0; }

}  // namespace iwsi
