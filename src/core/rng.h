// The random numbers of sampling, LoRA dropout and the training batch order: a counter-based
// generator, i.e. a pure hash of (seed, stream, sample index, step) -> uniform in [0, 1). No generator state is shared between
// rows, so a sample's tokens do not depend on batch composition, batch size, rank count or
// restarts. The mixing function is splitmix64's finalizer (full avalanche), applied once per key.
#pragma once

#include <cstdint>

namespace iwsi {

inline uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Each key is absorbed after adding the golden-ratio increment, so (a, b) and (b, a) or a zero key
// never collide trivially; four chained mixes decorrelate neighbouring counters completely.
inline uint64_t counter_hash(uint64_t seed, uint64_t stream, uint64_t sample, uint64_t step) {
  constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
  uint64_t h = splitmix64_mix(seed + kGamma);
  h = splitmix64_mix(h ^ (stream + 2 * kGamma));
  h = splitmix64_mix(h ^ (sample + 3 * kGamma));
  return splitmix64_mix(h ^ (step + 4 * kGamma));
}

// The top 53 bits as a double in [0, 1): every value exactly representable, never 1.
inline double counter_uniform(uint64_t seed, uint64_t stream, uint64_t sample, uint64_t step) {
  return static_cast<double>(counter_hash(seed, stream, sample, step) >> 11) * 0x1.0p-53;
}

}  // namespace iwsi
