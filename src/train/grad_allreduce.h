// Sums the flat gradient buffer over all ranks, once per optimizer step (one collective, not one
// per tensor). Host buffers go through MPI (dist/world.h); CUDA buffers through NCCL when the build
// has it (IWSI_WITH_NCCL, communicator bootstrapped by broadcasting the ncclUniqueId over MPI), else
// through a host copy and MPI. A world of one rank does nothing.
// Deliberately no bucketing or overlap with the backward pass: LoRA gradients are small.
#pragma once

#include "model/torch_api.h"

#include <memory>

namespace iwsi {

// NCCL all-reduce of float32 device buffers (grad_allreduce_nccl.cc, built only with IWSI_WITH_NCCL).
class NcclAllReduce {
 public:
  explicit NcclAllReduce(torch::Device device);  // collective: every rank, each with its own GPU
  ~NcclAllReduce();
  NcclAllReduce(const NcclAllReduce&) = delete;
  NcclAllReduce& operator=(const NcclAllReduce&) = delete;
  void sum(torch::Tensor& flat);  // (N) float32, contiguous, on this rank's GPU; in place

 private:
  struct Comm;
  std::unique_ptr<Comm> comm_;
};

// auto: NCCL for CUDA buffers on several ranks (when built with it), else MPI, nothing on one rank;
// nccl: NCCL even on one rank (bring-up and benchmarks; refused without NCCL or a CUDA device);
// mpi: never NCCL (CUDA buffers through a host copy).
enum class AllReduceChoice { automatic, nccl, mpi };
// "auto", "nccl" or "mpi"; throws naming `what` otherwise.
AllReduceChoice parse_allreduce_choice(const std::string& text, const std::string& what);

class GradientAllReduce {
 public:
  // Collective. `device`: where the flat buffers live.
  explicit GradientAllReduce(torch::Device device, AllReduceChoice choice = AllReduceChoice::automatic);
  ~GradientAllReduce();
  GradientAllReduce(const GradientAllReduce&) = delete;
  GradientAllReduce& operator=(const GradientAllReduce&) = delete;

  // Collective: flat (N) float32 contiguous becomes the element-wise sum over ranks, in place.
  void sum(torch::Tensor& flat);
  const char* backend() const;  // "none" (one rank), "mpi", "mpi via host" or "nccl"

 private:
  torch::Device device_;
  int world_size_ = 1;
  std::unique_ptr<NcclAllReduce> nccl_;
};

}  // namespace iwsi
