// Each rank's share of D_c (pipeline/consistent_share.h) against its closed form, at whatever rank
// count the test runs under (1, 2 and 3 in CI): D_c is cut into fixed chunks, rank r takes chunks
// [r * q + min(r, e), ...) of q = n / W, e = n % W (the first e ranks one more), and the file rows
// the ranks write tile [0, N) in rank order.
#include <gtest/gtest.h>

#include <algorithm>

#include "dist/world.h"
#include "pipeline/consistent_share.h"

namespace iwsi {
namespace {

struct Case {
  int64_t rows;
  int64_t chunk;
  bool (*consistent)(int64_t row);
};

void expect_closed_form(const Case& c) {
  const int rank = world_rank_or_zero(), ranks = world_size_or_one();
  AnswerRows answers;
  std::vector<int64_t> dc;
  for (int64_t row = 0; row < c.rows; ++row) {
    answers.consistent.push_back(c.consistent(row) ? 1 : 0);
    if (c.consistent(row)) dc.push_back(row);
  }
  const ConsistentShare share = consistent_share(answers, c.chunk, rank, ranks);
  const int64_t count = static_cast<int64_t>(dc.size());
  EXPECT_EQ(share.rows, dc);
  EXPECT_EQ(share.rows_total, c.rows);

  const int64_t chunks = (count + c.chunk - 1) / c.chunk, q = chunks / ranks, e = chunks % ranks;
  const int64_t first_chunk = rank * q + std::min<int64_t>(rank, e), my_chunks = q + (rank < e ? 1 : 0);
  EXPECT_EQ(share.items.begin, std::min(first_chunk * c.chunk, count));
  EXPECT_EQ(share.items.end, std::min((first_chunk + my_chunks) * c.chunk, count));

  // The rows each rank writes tile the file in rank order, and hold the rows it scores.
  const std::vector<int64_t> firsts = allgather(share.first_row), ends = allgather(share.end_row);
  EXPECT_EQ(firsts.front(), 0);
  EXPECT_EQ(ends.back(), c.rows);
  for (int r = 1; r < ranks; ++r) EXPECT_EQ(firsts[r], ends[r - 1]) << "rank " << r;
  for (int64_t item = share.items.begin; item < share.items.end; ++item) {
    EXPECT_GE(share.local(item), 0);
    EXPECT_LT(share.rows[item], share.end_row);
  }
  EXPECT_EQ(allreduce_sum(share.items.end - share.items.begin), count);
}

TEST(ConsistentShare, MatchesTheClosedFormForAnyRankCount) {
  expect_closed_form({50, 4, [](int64_t r) { return r % 3 != 1; }});       // 34 rows of D_c: 9 chunks
  expect_closed_form({50, 7, [](int64_t r) { return r >= 20 && r < 23; }});  // one chunk: the other ranks idle
  expect_closed_form({12, 5, [](int64_t) { return false; }});               // D_c empty
  expect_closed_form({12, 1, [](int64_t) { return true; }});                // every row, one per chunk
  expect_closed_form({40, 3, [](int64_t r) { return r == 39; }});           // only the last row
}

}  // namespace
}  // namespace iwsi
