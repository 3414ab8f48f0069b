// The machine's memory read bandwidth as the benchmarks' yardstick: the best of several
// parallel read passes over a buffer far larger than the caches, on the library's own thread
// pool (so it uses the same number of threads as the kernels it is compared with).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/cpu/thread_pool.h"

namespace bench {

// Read bandwidth in GB/s over `bytes` bytes, best of `repeats` passes.
inline double measure_read_bandwidth(size_t bytes = size_t{256} << 20, int repeats = 30) {
  size_t n = bytes / sizeof(uint64_t);
  auto data = std::make_unique<uint64_t[]>(n);
  mlx::core::cpu::parallel_for(static_cast<int64_t>(n), 1 << 20, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      data[i] = static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull;
    }
  });
  double best = 0;
  std::atomic<uint64_t> sink{0}; // keeps the reads from being optimized away
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    mlx::core::cpu::parallel_for(static_cast<int64_t>(n), 1 << 20, [&](int64_t lo, int64_t hi) {
      // Independent lanes: the loop is bound by loads, not by a dependency chain.
      uint64_t acc[8] = {};
      int64_t i = lo;
      for (; i + 8 <= hi; i += 8) {
        for (int k = 0; k < 8; ++k) {
          acc[k] ^= data[i + k];
        }
      }
      for (; i < hi; ++i) {
        acc[0] ^= data[i];
      }
      uint64_t x = 0;
      for (auto a : acc) {
        x ^= a;
      }
      sink.fetch_xor(x, std::memory_order_relaxed);
    });
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / s / 1e9);
  }
  return best;
}

// Best and median wall time in seconds of fn() over `repeats` runs (after one warm-up).
template <typename F>
std::pair<double, double> time_runs(F&& fn, int repeats) {
  fn();
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return {times.front(), times[times.size() / 2]};
}

} // namespace bench
