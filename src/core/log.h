// Log lines with wall time, rank and level on stderr: "2026-11-21 10:02:03.123 [r1 INFO] text".
// log_*0 variants print on rank 0 only (job-level progress); the others on every rank (errors,
// per-rank facts). The level comes from IWSI_LOG_LEVEL (debug, info, warn, error; default info).
#pragma once

#include <sstream>
#include <string>

#include "core/error.h"

namespace iwsi {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

void log_line(LogLevel level, bool rank0_only, const std::string& text);
bool log_enabled(LogLevel level);

template <class... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  detail::append(os, parts...);
  return os.str();
}

template <class... P> void log_debug(const P&... p) { if (log_enabled(LogLevel::debug)) log_line(LogLevel::debug, false, cat(p...)); }
template <class... P> void log_info(const P&... p) { log_line(LogLevel::info, false, cat(p...)); }
template <class... P> void log_warn(const P&... p) { log_line(LogLevel::warn, false, cat(p...)); }
template <class... P> void log_error(const P&... p) { log_line(LogLevel::error, false, cat(p...)); }
template <class... P> void log_info0(const P&... p) { log_line(LogLevel::info, true, cat(p...)); }
template <class... P> void log_warn0(const P&... p) { log_line(LogLevel::warn, true, cat(p...)); }

}  // namespace iwsi
