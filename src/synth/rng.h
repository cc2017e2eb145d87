// The random numbers of `iwsi synth`: one sequential splitmix64 stream per purpose, with bounded
// integers and shuffles written out here, so a task depends only on the seed and never on the C++
// library (std::uniform_int_distribution and std::shuffle differ between implementations).
// Deliberately not the sampler's counter-based generator: synth draws a sequence, not a hash of keys.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/rng.h"  // splitmix64_mix (header-only, torch-free)

namespace iwsi {

class SynthRng {
 public:
  // `purpose` separates streams of the same seed (problems, styles, ...).
  SynthRng(uint64_t seed, uint64_t purpose) : state_(splitmix64_mix(seed) ^ splitmix64_mix(purpose + 0x51ed2701ULL)) {}

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return splitmix64_mix(state_);
  }

  // Uniform in [low, high] (high >= low), without modulo bias (rejection of the short top range).
  int64_t uniform(int64_t low, int64_t high) {
    const uint64_t span = static_cast<uint64_t>(high - low) + 1;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t draw = next();
    while (draw >= limit) draw = next();
    return low + static_cast<int64_t>(draw % span);
  }

  // Fisher-Yates, from the back.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (int64_t i = static_cast<int64_t>(items.size()) - 1; i > 0; --i) std::swap(items[i], items[uniform(0, i)]);
  }

 private:
  uint64_t state_;
};

}  // namespace iwsi
