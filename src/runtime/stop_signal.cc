#include "runtime/stop_signal.h"

#include <csignal>

#include "dist/world.h"

namespace iwsi {
namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) { g_stop = 1; }

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGUSR1, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() { return g_stop != 0; }

bool stop_requested_everywhere() { return any_rank(stop_requested()); }

}  // namespace iwsi
