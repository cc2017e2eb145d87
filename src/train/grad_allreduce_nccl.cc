// NCCL all-reduce of the flat gradient buffer (only in builds with IWSI_WITH_NCCL, i.e. libtorch
// with CUDA). The communicator is bootstrapped over MPI: rank 0 makes the ncclUniqueId and the
// existing string broadcast carries its bytes, so no sockets, files or ports are invented here.
// The reduction is queued on torch's current stream of the device, so the norm and optimizer that
// read the buffer next are ordered after it without a host synchronisation.
// Without IWSI_WITH_NCCL the class only has stubs (GradientAllReduce then uses MPI).
#ifdef IWSI_WITH_NCCL

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <nccl.h>

#include <cstring>
#include <string>

#include "core/error.h"
#include "dist/world.h"
#include "train/grad_allreduce.h"

namespace iwsi {
namespace {

void check_nccl(ncclResult_t rc, const char* call) {
  if (rc == ncclSuccess) return;
  fail("NCCL call ", call, " failed: ", ncclGetErrorString(rc), " (NCCL_DEBUG=INFO prints why)");
}

#define IWSI_NCCL(call) check_nccl((call), #call)

// Rank 0's ncclUniqueId on every rank; an error on rank 0 reaches every rank.
ncclUniqueId broadcast_unique_id() {
  ncclUniqueId id;
  std::memset(&id, 0, sizeof id);
  std::string error, bytes;
  if (world_rank_or_zero() == 0) {
    const ncclResult_t rc = ncclGetUniqueId(&id);
    if (rc == ncclSuccess) bytes.assign(reinterpret_cast<const char*>(&id), sizeof id);
    else error = std::string("NCCL call ncclGetUniqueId failed: ") + ncclGetErrorString(rc);
  }
  error = broadcast(error);
  IWSI_CHECK(error.empty(), error);
  bytes = broadcast(bytes);
  IWSI_CHECK(bytes.size() == sizeof id, "NCCL bootstrap: received ", bytes.size(), " bytes of ncclUniqueId, expected ",
             sizeof id);
  std::memcpy(&id, bytes.data(), sizeof id);
  return id;
}

}  // namespace

struct NcclAllReduce::Comm {
  ncclComm_t comm = nullptr;
  c10::DeviceIndex device = 0;
};

NcclAllReduce::NcclAllReduce(torch::Device device) : comm_(std::make_unique<Comm>()) {
  IWSI_CHECK(device.is_cuda() && device.has_index(), "NCCL all-reduce needs a CUDA device with an index, got ",
             device.str());
  const ncclUniqueId id = broadcast_unique_id();
  comm_->device = device.index();
  c10::cuda::CUDAGuard guard(comm_->device);
  IWSI_NCCL(ncclCommInitRank(&comm_->comm, world_size_or_one(), id, world_rank_or_zero()));
}

NcclAllReduce::~NcclAllReduce() {
  if (comm_ && comm_->comm) ncclCommDestroy(comm_->comm);
}

void NcclAllReduce::sum(torch::Tensor& flat) {
  IWSI_CHECK(flat.is_cuda() && flat.device().index() == comm_->device && flat.is_contiguous() &&
                 flat.scalar_type() == torch::kFloat32,
             "NCCL all-reduce: expected a contiguous float32 buffer on cuda:", static_cast<int>(comm_->device), ", got ",
             flat.scalar_type(), " on ", flat.device().str());
  c10::cuda::CUDAGuard guard(comm_->device);
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream(comm_->device).stream();
  float* data = flat.data_ptr<float>();
  IWSI_NCCL(ncclAllReduce(data, data, static_cast<size_t>(flat.numel()), ncclFloat32, ncclSum, comm_->comm, stream));
}

}  // namespace iwsi

#else  // a build without NCCL: GradientAllReduce never constructs one; these only complete the class

#include "core/error.h"
#include "train/grad_allreduce.h"

namespace iwsi {

struct NcclAllReduce::Comm {};

NcclAllReduce::NcclAllReduce(torch::Device device) {
  fail("NCCL all-reduce on ", device.str(), ": this build has no NCCL (configure with IWSI_WITH_NCCL)");
}

NcclAllReduce::~NcclAllReduce() = default;

void NcclAllReduce::sum(torch::Tensor&) { fail("NCCL all-reduce: this build has no NCCL"); }

}  // namespace iwsi

#endif  // IWSI_WITH_NCCL
