// A job-wide counter that any rank can advance atomically without the others taking part: ranks
// claim the next chunk of work with `claim()`, so fast ranks take more chunks and no rank idles
// behind a slow one. An MPI one-sided window on rank 0 holds the count (MPI_Fetch_and_op).
// Construction and destruction are collective.
#pragma once

#include <cstdint>

namespace iwsi {

class WorkCounter {
 public:
  WorkCounter();   // collective; the count starts at 0
  ~WorkCounter();  // collective (frees the window), unless an exception is unwinding
  WorkCounter(const WorkCounter&) = delete;
  WorkCounter& operator=(const WorkCounter&) = delete;

  // Returns the count before adding `amount` (the claimed item when amount = 1).
  int64_t claim(int64_t amount = 1);

 private:
  struct Window;
  Window* window_;
};

}  // namespace iwsi
