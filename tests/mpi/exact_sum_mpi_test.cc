// exact_allreduce_sum under mpirun -np 1, 2 and 3: the same bits as the single-process exact sum of
// all ranks' values, however they are split (a float all-reduce rounds differently per rank count).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dist/exact_sum.h"
#include "dist/shard.h"
#include "dist/world.h"

namespace iwsi {
namespace {

TEST(ExactSumMpi, AllReducedSumEqualsTheExactSumOfEveryValueOnEveryRank) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::vector<double> all;
  for (int i = 0; i < 1001; ++i) all.push_back(std::ldexp(unit(rng), static_cast<int>(rng() % 80) - 40));
  all.push_back(1e30), all.push_back(-1e30);  // a cancellation a float sum would lose everything to
  const ShardRange mine = shard_of(static_cast<int64_t>(all.size()), world_rank_or_zero(), world_size_or_one());
  const std::vector<double> local(all.begin() + mine.begin, all.begin() + mine.end);
  const double got = exact_allreduce_sum(local);
  EXPECT_EQ(got, exact_sum(all)) << "on " << world_size_or_one() << " rank(s)";
  // and every rank holds the same bits
  EXPECT_EQ(allreduce_sum(got == exact_sum(all) ? int64_t(1) : int64_t(0)), world_size_or_one());
}

}  // namespace
}  // namespace iwsi
