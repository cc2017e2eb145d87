#include "core/log.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "dist/world.h"

namespace iwsi {
namespace {

LogLevel configured_level() {
  static const LogLevel level = [] {
    const char* env = std::getenv("IWSI_LOG_LEVEL");
    if (!env) return LogLevel::info;
    if (!std::strcmp(env, "debug")) return LogLevel::debug;
    if (!std::strcmp(env, "warn")) return LogLevel::warn;
    if (!std::strcmp(env, "error")) return LogLevel::error;
    return LogLevel::info;
  }();
  return level;
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "DEBUG";
    case LogLevel::info: return "INFO";
    case LogLevel::warn: return "WARN";
    default: return "ERROR";
  }
}

}  // namespace

bool log_enabled(LogLevel level) { return level >= configured_level(); }

void log_line(LogLevel level, bool rank0_only, const std::string& text) {
  if (!log_enabled(level)) return;
  const int rank = world_rank_or_zero();
  if (rank0_only && rank != 0) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  // UTC, with the zone said: the nodes of a cluster (and the Slurm logs beside ours) may not share
  // a local time zone, and a log line must mean one instant.
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  // One fprintf per line so lines of different ranks do not interleave mid-line.
  std::fprintf(stderr, "%s.%03dZ [r%d %s] %s\n", stamp, millis, rank, level_name(level), text.c_str());
  std::fflush(stderr);
}

}  // namespace iwsi
