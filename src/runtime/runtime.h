// What every job sets up before it works: its numerics and threads (numerics.h), the device it
// computes on, the library versions for provenance, and the provenance record of an output.
// The torch-dependent part of the runtime; MPI stays in dist/, HDF5 in store/.
#pragma once

#include <string>
#include <vector>

#include "model/torch_api.h"

#include "core/config.h"
#include "dist/threads.h"
#include "dist/world.h"
#include "runtime/numerics.h"
#include "store/provenance.h"

namespace iwsi {

// "libtorch 1.13.1; HDF5 1.10.8; Open MPI v4.1.4"
std::string library_versions();

// Everything a job driver needs from the runtime.
struct JobContext {
  const World& world;
  std::string job;          // "decode", "generate", ...
  ParsedOptions options;
  ThreadChoice threads;
  std::string started_at;   // UTC ISO 8601, rank 0's clock
  NumericsMode numerics = NumericsMode::deterministic;

  template <class T>
  T get(const std::string& name) const { return options.values[name].as<T>(); }
  bool has(const std::string& name) const { return options.values.count(name) > 0; }
  // The device of a job with --model.device: "auto" is cuda:<local rank % GPUs> when GPUs are
  // visible, else the CPU; a bare "cuda" maps to the local rank the same way, so that the ranks of a
  // node never share a GPU by default. Jobs without a model compute on the CPU.
  torch::Device device() const;
  // The numerics this rank computes with (on device()).
  NumericsIdentity numerics_identity() const;
  // Collective: the provenance of an output derived from `inputs` (files or directories).
  Provenance provenance(const std::vector<std::string>& inputs) const;
};

}  // namespace iwsi
