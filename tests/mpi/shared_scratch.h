// A scratch directory for MPI tests: rank 0 makes it, every rank gets the same path.
#pragma once

#include <string>

#include "dist/world.h"
#include "test_paths.h"

namespace iwsi::testing {

inline std::string shared_scratch(const std::string& name) {
  return broadcast(world_rank_or_zero() == 0 ? scratch_dir(name) : std::string());
}

}  // namespace iwsi::testing
