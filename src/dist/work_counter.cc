#include "dist/work_counter.h"
#include "dist/world.h"

#include <mpi.h>

#include <exception>

#include "core/error.h"

namespace iwsi {

struct WorkCounter::Window {
  MPI_Win win = MPI_WIN_NULL;
  int64_t* count = nullptr;
};

WorkCounter::WorkCounter() : window_(new Window) {
  int rank = 0;
  check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
  const MPI_Aint bytes = rank == 0 ? sizeof(int64_t) : 0;
  const int rc = MPI_Win_allocate(bytes, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &window_->count, &window_->win);
  if (rc != MPI_SUCCESS) {
    delete window_;
    fail("MPI_Win_allocate failed for the work counter (does this MPI support one-sided communication?)");
  }
  if (rank == 0) *window_->count = 0;
  check_mpi(MPI_Win_lock_all(0, window_->win), "MPI_Win_lock_all (work counter)");
  check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier (work counter)");  // nobody claims before rank 0 has set the count
}

WorkCounter::~WorkCounter() {
  if (std::uncaught_exceptions() == 0) {  // freeing is collective: never on one rank alone
    // A destructor cannot throw; a failure here leaves nothing behind that a later step reads.
    (void)MPI_Win_unlock_all(window_->win);
    (void)MPI_Win_free(&window_->win);
  }
  delete window_;
}

int64_t WorkCounter::claim(int64_t amount) {
  int64_t before = 0;
  check_mpi(MPI_Fetch_and_op(&amount, &before, MPI_INT64_T, 0, 0, MPI_SUM, window_->win), "MPI_Fetch_and_op (work counter)");
  check_mpi(MPI_Win_flush(0, window_->win), "MPI_Win_flush (work counter)");
  return before;
}

}  // namespace iwsi
