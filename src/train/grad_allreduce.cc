// The choice of back-end per device, and the MPI paths. The NCCL path is in grad_allreduce_nccl.cc.
#include "train/grad_allreduce.h"

#include "core/error.h"
#include "dist/world.h"

namespace iwsi {

AllReduceChoice parse_allreduce_choice(const std::string& text, const std::string& what) {
  if (text == "auto") return AllReduceChoice::automatic;
  if (text == "nccl") return AllReduceChoice::nccl;
  if (text == "mpi") return AllReduceChoice::mpi;
  fail(what, "=", text, ": expected auto, nccl or mpi");
}

GradientAllReduce::GradientAllReduce(torch::Device device, AllReduceChoice choice)
    : device_(device), world_size_(world_size_or_one()) {
  if (choice == AllReduceChoice::nccl) {
#ifdef IWSI_WITH_NCCL
    IWSI_CHECK(device.is_cuda(), "gradient all-reduce nccl: the model is on ", device.str(), ", not on a GPU");
#else
    fail("gradient all-reduce nccl: this iwsi was built without NCCL (configure found none)");
#endif
  }
#ifdef IWSI_WITH_NCCL
  const bool wanted = choice == AllReduceChoice::nccl || (choice == AllReduceChoice::automatic && world_size_ > 1);
  if (wanted && device.is_cuda()) nccl_ = std::make_unique<NcclAllReduce>(device);
#endif
}

GradientAllReduce::~GradientAllReduce() = default;

const char* GradientAllReduce::backend() const {
  if (nccl_) return "nccl";
  if (world_size_ == 1) return "none";
  return device_.is_cuda() ? "mpi via host" : "mpi";
}

void GradientAllReduce::sum(torch::Tensor& flat) {
  const bool float64 = flat.scalar_type() == torch::kFloat64;
  IWSI_ASSERT(flat.dim() == 1 && (flat.scalar_type() == torch::kFloat32 || (float64 && !flat.is_cuda())) &&
                 flat.is_contiguous(),
             "gradient all-reduce: expected a contiguous (N) float32 buffer (float64 on the CPU), got ", flat.sizes(),
             " ", flat.scalar_type());
  IWSI_CHECK(flat.device() == device_, "gradient all-reduce: buffer on ", flat.device().str(), ", set up for ",
             device_.str());
  if (nccl_) {
    nccl_->sum(flat);
  } else if (world_size_ == 1) {
    return;
  } else if (flat.is_cuda()) {
    torch::Tensor host = flat.to(torch::kCPU);
    allreduce_sum_in_place(host.data_ptr<float>(), host.numel());
    flat.copy_(host);
  } else if (float64) {
    allreduce_sum_in_place(flat.data_ptr<double>(), flat.numel());
  } else {
    allreduce_sum_in_place(flat.data_ptr<float>(), flat.numel());
  }
}

}  // namespace iwsi
