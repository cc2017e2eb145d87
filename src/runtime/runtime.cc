#include "runtime/runtime.h"

#include <torch/version.h>

#include "core/build_info.h"
#include "model/torch_compat.h"

namespace iwsi {

std::string library_versions() {
  return std::string("libtorch ") + TORCH_VERSION + "; HDF5 " + hdf5_library_version() + "; " + mpi_library_version();
}

torch::Device JobContext::device() const {
  if (!has("model.device")) return torch::kCPU;
  const std::string name = get<std::string>("model.device");
  if ((name == "auto" || name == "cuda") && cuda_available())
    return torch::Device(torch::kCUDA, static_cast<int8_t>(world.local_rank() % torch::cuda::device_count()));
  return parse_device(name, "option --model.device");
}

NumericsIdentity JobContext::numerics_identity() const { return iwsi::numerics_identity(numerics, device()); }

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
  p.numerics = numerics_json(numerics_identity());
  return p;
}

}  // namespace iwsi
