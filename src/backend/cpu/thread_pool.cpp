#include "backend/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mlx::core::cpu {

namespace {

thread_local bool inside_parallel_region = false;

int configured_threads() {
  if (const char* env = std::getenv("MLXCPP_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) {
      return n;
    }
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

class ThreadPool {
public:
  explicit ThreadPool(int threads) {
    for (int i = 1; i < threads; ++i) {
      workers_.emplace_back([this] { worker_loop(); });
    }
  }

  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) {
      w.join();
    }
  }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void run(int64_t chunks, const std::function<void(int64_t)>& task) {
    // One job at a time; user threads that evaluate concurrently take turns.
    std::lock_guard job_lock(job_mutex_);
    Job job{&task, chunks, {}, 0, nullptr};
    {
      std::lock_guard lock(mutex_);
      job_ = &job;
      ++generation_;
    }
    wake_.notify_all();
    work(job);
    std::unique_lock lock(mutex_);
    // Wait until every chunk ran and no worker still holds the job, then retire it.
    done_.wait(lock, [&] { return job.completed == job.chunks && active_workers_ == 0; });
    job_ = nullptr;
    if (job.error) {
      std::rethrow_exception(job.error);
    }
  }

private:
  struct Job {
    const std::function<void(int64_t)>* task;
    int64_t chunks;
    std::atomic<int64_t> next{0};
    int64_t completed = 0;    // guarded by mutex_
    std::exception_ptr error; // guarded by mutex_
  };

  void work(Job& job) {
    inside_parallel_region = true;
    int64_t completed = 0;
    std::exception_ptr error;
    for (int64_t c; (c = job.next.fetch_add(1)) < job.chunks;) {
      try {
        (*job.task)(c);
      } catch (...) {
        error = std::current_exception();
      }
      ++completed;
    }
    inside_parallel_region = false;
    std::lock_guard lock(mutex_);
    job.completed += completed;
    if (error && !job.error) {
      job.error = error;
    }
  }

  void worker_loop() {
    uint64_t seen = 0;
    while (true) {
      Job* job = nullptr;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) {
          return;
        }
        seen = generation_;
        job = job_;
        if (job == nullptr) {
          continue;
        }
        ++active_workers_;
      }
      work(*job);
      {
        std::lock_guard lock(mutex_);
        --active_workers_;
      }
      done_.notify_all();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex job_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Job* job_ = nullptr;
  int active_workers_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

ThreadPool& pool() {
  // Leaked on purpose: joining workers from a static destructor can deadlock if another
  // static's destructor still runs CPU work, and the OS reclaims the threads at exit.
  static auto* instance = new ThreadPool(configured_threads());
  return *instance;
}

} // namespace

int num_threads() {
  return pool().size();
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) {
    return;
  }
  grain = std::max<int64_t>(grain, 1);
  int threads = inside_parallel_region ? 1 : num_threads();
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  int64_t per_chunk = (n + chunks - 1) / chunks;
  pool().run(chunks, [&](int64_t c) {
    int64_t begin = c * per_chunk;
    int64_t end = std::min(n, begin + per_chunk);
    if (begin < end) {
      fn(begin, end);
    }
  });
}

} // namespace mlx::core::cpu
