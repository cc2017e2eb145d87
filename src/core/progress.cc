#include "core/progress.h"

#include <cstdio>

#include "core/heartbeat.h"
#include "core/log.h"

namespace iwsi {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "?";
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s < 60) std::snprintf(text, sizeof text, "%lds", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  return text;
}

Progress::Progress(std::string label, int64_t total, std::string unit, double interval_s)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), interval_s_(interval_s),
      start_(std::chrono::steady_clock::now()), last_print_(start_) {}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t done, int64_t tokens) {
  heartbeat();
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_print_).count() < interval_s_) return;
  last_print_ = now;
  print(done, tokens);
}

void Progress::finish(int64_t tokens) { print(total_, tokens); }

void Progress::print(int64_t done, int64_t tokens) const {
  const double elapsed = elapsed_s();
  const double rate = elapsed > 0 ? done / elapsed : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : -1;
  char head[160];
  std::snprintf(head, sizeof head, "%s: %lld/%lld %s (%.1f%%), %.2f %s/s", label_.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), unit_.c_str(),
                total_ > 0 ? 100.0 * done / total_ : 100.0, rate, unit_.c_str());
  std::string line = head;
  if (tokens >= 0 && elapsed > 0) line += cat(", ", static_cast<long long>(tokens / elapsed), " tokens/s");
  line += cat(", elapsed ", format_duration(elapsed));
  if (done < total_) line += cat(", ETA ", format_duration(eta));
  log_info0(line);
}

}  // namespace iwsi
