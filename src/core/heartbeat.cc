#include "core/heartbeat.h"

#include <atomic>
#include <chrono>
#include <cstdint>

namespace iwsi {
namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::atomic<int64_t> g_last_beat_ns{now_ns()};
std::atomic<const char*> g_waiting_in{nullptr};

}  // namespace

void heartbeat() { g_last_beat_ns.store(now_ns(), std::memory_order_relaxed); }

WaitingIn::WaitingIn(const char* what) { g_waiting_in.store(what, std::memory_order_relaxed); }

WaitingIn::~WaitingIn() {
  g_waiting_in.store(nullptr, std::memory_order_relaxed);
  heartbeat();
}

Pulse pulse() {
  Pulse p;
  p.seconds_since_beat = static_cast<double>(now_ns() - g_last_beat_ns.load(std::memory_order_relaxed)) * 1e-9;
  p.waiting_in = g_waiting_in.load(std::memory_order_relaxed);
  return p;
}

void forgive_silence() { heartbeat(); }

}  // namespace iwsi
