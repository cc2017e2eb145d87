#include "runtime/runtime.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include "core/build_info.h"
#include <torch/version.h>

namespace iwsi {

void use_compute_threads(int threads) {
  torch::set_num_threads(threads);
  // OpenBLAS keeps its own pool; it is only present when Debian's BLAS alternative is OpenBLAS.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

std::string library_versions() {
  return std::string("libtorch ") + TORCH_VERSION + "; HDF5 " + hdf5_library_version() + "; " + mpi_library_version();
}

Provenance JobContext::provenance(const std::vector<std::string>& inputs) const {
  Provenance p;
  p.job = "iwsi " + job;
  p.config = options.effective_ini;
  p.git_commit = git_commit();
  p.versions = library_versions();
  p.ranks = world.size();
  for (const std::string& host : allgather(world.hostname())) p.hostnames += (p.hostnames.empty() ? "" : ",") + host;
  p.started_at = started_at;
  p.inputs = describe_inputs(inputs);
  return p;
}

}  // namespace iwsi
