// Sharding arithmetic, pure and MPI-free so it is tested without a world: which contiguous rows
// [begin, end) of n belong to `rank` of `world`. Uneven splits give the first n % world ranks one
// extra row; ranks beyond n get empty ranges.
#pragma once

#include <cstdint>

namespace iwsi {

struct ShardRange {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};

inline ShardRange shard_of(int64_t n, int rank, int world) {
  const int64_t base = n / world, extra = n % world;
  const int64_t begin = rank * base + (rank < extra ? rank : extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

// Work cut into fixed chunks of `chunk` items (so a chunk's result does not depend on the rank
// count), ranks taking contiguous runs of chunks: this rank's items [begin, end).
inline ShardRange chunk_run_of(int64_t items, int64_t chunk, int rank, int world) {
  const ShardRange chunks = shard_of((items + chunk - 1) / chunk, rank, world);
  const auto clamp = [&](int64_t x) { return x < items ? x : items; };
  return {clamp(chunks.begin * chunk), clamp(chunks.end * chunk)};
}

}  // namespace iwsi
