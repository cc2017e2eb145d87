// What every job sets up before it works: compute threads for libtorch and OpenBLAS, the library
// versions for provenance, and the provenance record of an output (collective).
// The torch-dependent part of the runtime; MPI stays in dist/, HDF5 in store/.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "dist/threads.h"
#include "dist/world.h"
#include "store/provenance.h"

namespace iwsi {

// Sets libtorch's intra-op threads and OpenBLAS's threads (when the loaded BLAS is OpenBLAS).
void use_compute_threads(int threads);

// "libtorch 1.13.1; HDF5 1.10.8; Open MPI v4.1.4"
std::string library_versions();

// Everything a job driver needs from the runtime.
struct JobContext {
  const World& world;
  std::string job;          // "decode", "generate", ...
  ParsedOptions options;
  ThreadChoice threads;
  std::string started_at;   // UTC ISO 8601, rank 0's clock

  template <class T>
  T get(const std::string& name) const { return options.values[name].as<T>(); }
  bool has(const std::string& name) const { return options.values.count(name) > 0; }
  // Collective: the provenance of an output derived from `inputs` (files or directories).
  Provenance provenance(const std::vector<std::string>& inputs) const;
};

}  // namespace iwsi
