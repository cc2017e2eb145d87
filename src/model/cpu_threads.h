// The threads of our own CPU kernels (invariant_linear, cpu_attention, swiglu). They have a pool of
// their own rather than libtorch's, because in the deterministic numerics mode (runtime/numerics.h)
// libtorch's ops run on one thread: its reductions split their input by thread count and round
// differently for 1 and 2 threads. Our kernels give the same bits for any split, so they may use
// every thread the rank has. One pool per process, like libtorch's: threads are a resource of the
// process, not of a job's data.
#pragma once

#include <cstdint>
#include <functional>

namespace iwsi {

// How many threads the kernels use (1 = the calling thread alone). Set once at start-up by the
// runtime; the pool's workers are started on the first parallel_for that needs them.
void set_kernel_threads(int threads);
int kernel_threads();

// Calls fn(chunk_begin, chunk_end) over disjoint chunks covering [begin, end), each at least `grain`
// long (but the last), on up to kernel_threads() threads; returns when all are done and rethrows the
// first exception a chunk threw. The split depends only on (end - begin, grain, kernel_threads()),
// and callers must not let results depend on it. A call from inside a chunk runs serially.
void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace iwsi
