// Work only rank 0 does (writing a checkpoint or the final model) whose failure every rank must
// see: rank 0 runs it, its error message is broadcast, and every rank throws it. Without this the
// other ranks would wait in the next collective while rank 0 aborts alone.
#pragma once

#include <string>

#include "core/error.h"
#include "dist/world.h"

namespace iwsi {

// Collective. `work` runs on rank 0 only.
template <class Work>
void on_rank0(Work&& work) {
  std::string error;
  if (world_rank_or_zero() == 0) {
    try {
      work();
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "unknown error on rank 0";
    }
  }
  error = broadcast(error);
  if (!error.empty()) throw Error(error);
}

}  // namespace iwsi
