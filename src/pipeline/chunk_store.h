// Finished chunks of a resumable job, one small HDF5 file each in a work directory, so that a job
// killed (or preempted) and started again skips what is done and ends with the same output as an
// uninterrupted run. The directory is tied to one configuration by a fingerprint: chunks made
// with other settings are never mixed in.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/generation.h"

namespace iwsi {

struct ChunkStore {
  std::string dir;
  std::string fingerprint;  // of everything that determines the chunks' content
};

// Collective: creates `dir` (rank 0) and claims it for `fingerprint` (the settings and inputs) and
// `numerics` (runtime/numerics.h rounding_key); throws on every rank when it holds chunks of another
// configuration or numerics (naming the directory and what to do). That all ranks share one numerics
// is checked when a job starts (jobs/main.cc).
ChunkStore open_chunk_store(const std::string& dir, const std::string& fingerprint, const std::string& numerics);

std::string chunk_path(const ChunkStore& store, int64_t chunk);
bool chunk_is_done(const ChunkStore& store, int64_t chunk);

struct ChunkTiming {
  int rank = 0;
  double seconds = 0;
  int64_t tokens = 0;
};

// By this rank alone (no collective): write + commit one chunk's rows.
void write_chunk(const ChunkStore& store, int64_t chunk, const GeneratedRows& rows, const ChunkTiming& timing);
GeneratedRows read_chunk(const ChunkStore& store, int64_t chunk, ChunkTiming* timing = nullptr);

// Rank 0 removes the directory (after the merged output is committed).
void remove_chunk_store(const ChunkStore& store);

}  // namespace iwsi
