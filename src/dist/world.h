// The MPI world: the project's only global state, and the only place (with store/) that calls MPI.
// `World` initializes MPI on construction and finalizes it on destruction (RAII); the free functions
// below are the collectives the algorithms need, on CPU values, so that library code reads as
// single-process code. A singleton run (no mpirun) is a world of size 1 and every collective is
// then a copy. Device-buffer collectives (NCCL) live with the trainer, not here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iwsi {

class World {
 public:
  World(int* argc, char*** argv);  // MPI_Init_thread(MPI_THREAD_FUNNELED)
  ~World();                        // MPI_Finalize, unless aborted
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // rank among the ranks on this node
  int local_size() const { return local_size_; }
  const std::string& hostname() const { return hostname_; }

  // Ends every rank of the job now with `code` (MPI_Abort); never returns.
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  std::string hostname_;
};

// Throws naming `call` and MPI's own error text unless rc is MPI_SUCCESS: every MPI call's return
// code goes through this (world.cc, work_counter.cc), since MPI_COMM_WORLD returns errors.
void check_mpi(int rc, const char* call);

// Rank of this process in MPI_COMM_WORLD, 0 before MPI_Init or after MPI_Finalize (for log lines).
int world_rank_or_zero();
// Size of MPI_COMM_WORLD, 1 outside MPI (not a collective).
int world_size_or_one();

// ---- collectives over MPI_COMM_WORLD (every rank must call them, in the same order) -----------
void barrier();
int64_t allreduce_sum(int64_t value);
double allreduce_sum(double value);
int64_t allreduce_max(int64_t value);
std::vector<double> allreduce_sum(const std::vector<double>& values);  // element-wise
std::vector<int64_t> allreduce_sum(const std::vector<int64_t>& values);
// Element-wise sum over every rank, written over `data` (MPI_IN_PLACE; any count, sent in pieces of
// at most INT_MAX elements). For flat gradient buffers in host memory.
void allreduce_sum_in_place(float* data, int64_t count);
void allreduce_sum_in_place(double* data, int64_t count);
void allreduce_sum_in_place(int64_t* data, int64_t count);
// (Exact, rank-count-invariant sums of doubles: dist/exact_sum.h.)
// Sum of `value` over the ranks below this one (0 on rank 0): where this rank's rows start.
int64_t exclusive_scan_sum(int64_t value);
// Rank `root`'s string on every rank.
std::string broadcast(const std::string& value, int root = 0);
// Every rank's value, in rank order, on every rank.
std::vector<std::string> allgather(const std::string& value);
std::vector<int64_t> allgather(int64_t value);
// Logical AND / OR of a flag over all ranks (used to agree on "did anyone fail?").
bool all_ranks(bool flag);
bool any_rank(bool flag);

}  // namespace iwsi

namespace iwsi {
// "Open MPI v4.1.4, ..." (first line of MPI_Get_library_version), for provenance.
std::string mpi_library_version();
}  // namespace iwsi
