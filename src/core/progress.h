// Progress of a long loop, printed on rank 0 at most every `interval_s` seconds (and at the end):
// "generate: 120/1500 questions (8.0%), 3.2 questions/s, 512 tokens/s, elapsed 37s, ETA 7m10s".
// The caller passes global counts (what the whole job has done), so the rate and ETA are the job's.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace iwsi {

std::string format_duration(double seconds);  // "37s", "7m10s", "2h05m"

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit, double interval_s = 10.0);
  // `done` of `total` units finished so far; `tokens` (optional, < 0 = none) adds a tokens/s figure.
  void update(int64_t done, int64_t tokens = -1);
  void finish(int64_t tokens = -1);  // always prints the final line with the average rates
  double elapsed_s() const;

 private:
  void print(int64_t done, int64_t tokens) const;
  std::string label_, unit_;
  int64_t total_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace iwsi
