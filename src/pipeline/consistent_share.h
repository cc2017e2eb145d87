// This rank's share of D_c (the consistent rows of a candidate file) for the jobs that score it
// (weigh, judge). D_c is cut into fixed chunks (so a chunk's scores do not depend on the rank
// count) and each rank takes a contiguous run of chunks. The per-row output columns cover every
// file row, so each rank also writes the rows outside D_c that follow its chunks (rank 0 also the
// ones before the first): the collective writes then tile the file in order for any rank count.
#pragma once

#include <cstdint>
#include <vector>

#include "dist/shard.h"
#include "dist/world.h"
#include "pipeline/candidates_file.h"

namespace iwsi {

struct ConsistentShare {
  std::vector<int64_t> rows;  // every consistent row of the file, ascending
  ShardRange items;           // this rank's run, as indices into `rows`
  int64_t first_row = 0;      // the file rows this rank writes: [first_row, end_row)
  int64_t end_row = 0;
  int64_t rows_total = 0;     // rows in the file

  int64_t local(int64_t item) const { return rows[item] - first_row; }  // item -> index into this rank's rows
};

ConsistentShare consistent_share(const AnswerRows& answers, int64_t chunk_size, int rank, int ranks);
inline ConsistentShare consistent_share(const AnswerRows& answers, int64_t chunk_size, const World& world) {
  return consistent_share(answers, chunk_size, world.rank(), world.size());
}

}  // namespace iwsi
