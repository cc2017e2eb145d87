// A fork-join pool: the caller and kernel_threads() - 1 workers take chunks of a parallel_for off a
// shared counter. Workers spin for a few microseconds after a call before they sleep, because decode
// steps issue thousands of short calls a second and a sleeping thread takes tens of microseconds to
// wake; with more ranks than cores (tests oversubscribe) the spin is short enough not to matter.
#include "model/cpu_threads.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define IWSI_CPU_RELAX() _mm_pause()
#else
#define IWSI_CPU_RELAX() std::this_thread::yield()
#endif

namespace iwsi {
namespace {

constexpr int kSpins = 20000;  // ~ 20-100 us of pause instructions

thread_local bool in_chunk = false;

class Pool {
 public:
  explicit Pool(int threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void run(int64_t begin, int64_t chunk, int64_t chunks, int64_t end,
           const std::function<void(int64_t, int64_t)>& fn) {
    std::lock_guard<std::mutex> one_call(call_mutex_);
    fn_ = &fn;
    begin_ = begin, chunk_ = chunk, chunks_ = chunks, end_ = end;
    next_.store(0);
    error_ = nullptr;
    idle_.store(0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    run_chunks();
    const int64_t workers = static_cast<int64_t>(workers_.size());
    for (int spin = 0; idle_.load() < workers && spin < kSpins; ++spin) IWSI_CPU_RELAX();
    if (idle_.load() < workers) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return idle_.load() >= workers; });
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_chunks() {
    in_chunk = true;
    for (;;) {
      const int64_t c = next_.fetch_add(1);
      if (c >= chunks_) break;
      const int64_t b = begin_ + c * chunk_, e = std::min(end_, b + chunk_);
      try {
        (*fn_)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
    in_chunk = false;
  }

  void work() {
    uint64_t seen = 0;
    for (;;) {
      int spin = 0;
      while (generation_.load() == seen && spin < kSpins) IWSI_CPU_RELAX(), ++spin;
      if (generation_.load() == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
      }
      seen = generation_.load();
      if (stop_) return;
      run_chunks();
      if (idle_.fetch_add(1) + 1 == static_cast<int64_t>(workers_.size())) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::mutex call_mutex_, mutex_, error_mutex_;
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t begin_ = 0, chunk_ = 1, chunks_ = 0, end_ = 0;
  std::atomic<int64_t> next_{0}, idle_{0};
  std::exception_ptr error_;
};

struct PoolSlot {
  std::mutex mutex;
  int threads = 1;
  std::unique_ptr<Pool> pool;  // started on first use with `threads`
};

PoolSlot& slot() {
  static PoolSlot s;
  return s;
}

}  // namespace

void set_kernel_threads(int threads) {
  IWSI_CHECK(threads >= 1, "kernel threads must be at least 1, got ", threads);
  PoolSlot& s = slot();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.pool && s.pool->threads() != threads) s.pool.reset();
  s.threads = threads;
}

int kernel_threads() {
  PoolSlot& s = slot();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.threads;
}

void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t n = end - begin;
  Pool* pool = nullptr;
  int threads = 1;
  if (!in_chunk && n > grain) {
    PoolSlot& s = slot();
    std::lock_guard<std::mutex> lock(s.mutex);
    threads = s.threads;
    if (threads > 1) {
      if (!s.pool) s.pool = std::make_unique<Pool>(threads);
      pool = s.pool.get();
    }
  }
  const int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  if (!pool || chunks <= 1) {
    fn(begin, end);
    return;
  }
  const int64_t chunk = (n + chunks - 1) / chunks;
  pool->run(begin, chunk, (n + chunk - 1) / chunk, end, fn);
}

}  // namespace iwsi
