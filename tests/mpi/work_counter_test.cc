// Dynamic work claiming and files one rank writes alone (what resumable chunked jobs stand on).
#include <gtest/gtest.h>

#include <filesystem>

#include "dist/work_counter.h"
#include "dist/world.h"
#include "store/columns.h"
#include "store/output_file.h"
#include "test_paths.h"

namespace iwsi {
namespace {

TEST(WorkCounter, EveryItemIsClaimedExactlyOnceAcrossRanks) {
  const int64_t items = 101;
  std::vector<int64_t> mine;
  {
    WorkCounter counter;
    for (int64_t item = counter.claim(); item < items; item = counter.claim()) mine.push_back(item);
  }
  int64_t sum = 0;
  for (int64_t item : mine) sum += item;
  EXPECT_EQ(allreduce_sum(static_cast<int64_t>(mine.size())), items);
  EXPECT_EQ(allreduce_sum(sum), items * (items - 1) / 2);
  for (size_t i = 1; i < mine.size(); ++i) EXPECT_LT(mine[i - 1], mine[i]);  // a rank's claims only grow
}

TEST(Store, ARankWritesItsOwnFileWithoutTheOthers) {
  const std::string path = testing::scratch_dir("alone") + "/rank" + std::to_string(world_rank_or_zero()) + ".h5";
  if (world_rank_or_zero() % 2 == 0) {  // odd ranks take no part at all
    Provenance provenance;
    provenance.job = "iwsi test";
    OutputFile out(path, "iwsi.test", 1, provenance, Writers::this_rank);
    Ragged<int32_t> rows;
    rows.push_back({1, 2});
    rows.push_back({});
    rows.push_back({world_rank_or_zero()});
    write_ragged_column(out.id(), "rows", rows, Writers::this_rank);
    write_column(out.id(), "flags", std::vector<int8_t>{1, 0, 1}, Writers::this_rank);
    out.commit();
    H5Id file = open_output_for_read(path, "iwsi.test", 1);
    EXPECT_EQ(read_ragged_column<int32_t>(file, "rows").offsets, rows.offsets);
    EXPECT_EQ(read_ragged_column<int32_t>(file, "rows").values, rows.values);
    EXPECT_EQ(read_column<int8_t>(file, "flags"), (std::vector<int8_t>{1, 0, 1}));
  }
  EXPECT_EQ(std::filesystem::exists(path), world_rank_or_zero() % 2 == 0);
}

}  // namespace
}  // namespace iwsi
