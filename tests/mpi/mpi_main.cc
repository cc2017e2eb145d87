// GoogleTest main for tests run under mpirun: one MPI world for the whole binary; only rank 0
// prints gtest's report, but a failure on any rank fails the run (exit code agreed by all ranks).
#include <gtest/gtest.h>

#include "dist/world.h"

int main(int argc, char** argv) {
  iwsi::World world(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  const bool all_passed = iwsi::all_ranks(failed == 0);
  if (world.rank() == 0 && !all_passed && failed == 0) std::fprintf(stderr, "a test failed on another rank\n");
  return all_passed ? 0 : 1;
}
