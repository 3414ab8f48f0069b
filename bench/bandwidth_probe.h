// The machine's memory read bandwidth as the benchmarks' yardstick: parallel read passes over a
// buffer far larger than the caches, on the library's own thread pool (so with the same number
// of threads as the kernels it is compared with). Times are taken two ways: wall time, and the
// process's CPU time divided by the thread count, which still means something on a machine
// whose cores other work keeps busy (it drops the time spent waiting for a core).
#pragma once

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>

#include "backend/cpu/thread_pool.h"

namespace bench {

struct Timing {
  double wall; // seconds, best run
  double cpu;  // process CPU seconds / threads, best run
};

inline double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Best wall and CPU times of fn() over `repeats` runs, after one warm-up.
template <typename F>
Timing time_runs(F&& fn, int repeats) {
  fn();
  Timing best{1e30, 1e30};
  int threads = mlx::core::cpu::num_threads();
  for (int r = 0; r < repeats; ++r) {
    double c0 = process_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    fn();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = (process_cpu_seconds() - c0) / threads;
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, cpu);
  }
  return best;
}

// Read bandwidth in GB/s (by wall time, and by CPU time) over a buffer of `bytes`.
inline std::pair<double, double> measure_read_bandwidth(size_t bytes = size_t{256} << 20,
                                                        int repeats = 20) {
  size_t n = bytes / sizeof(uint64_t);
  auto data = std::make_unique<uint64_t[]>(n);
  mlx::core::cpu::parallel_for(static_cast<int64_t>(n), 1 << 20, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      data[i] = static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull;
    }
  });
  std::atomic<uint64_t> sink{0}; // keeps the reads from being optimized away
  auto t = time_runs(
      [&] {
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
      },
      repeats);
  double gb = static_cast<double>(n * sizeof(uint64_t)) / 1e9;
  return {gb / t.wall, gb / t.cpu};
}

// Prints one result row: wall ms, GB/s and share of `bw`, then the same by CPU time.
inline void print_row(const char* label, double bytes, Timing t, std::pair<double, double> bw) {
  double gbs = bytes / t.wall / 1e9;
  double gbs_cpu = bytes / t.cpu / 1e9;
  std::printf("%-44s %9.2f %8.1f %6.0f%% %9.2f %8.1f %6.0f%%\n", label, t.wall * 1e3, gbs,
              100 * gbs / bw.first, t.cpu * 1e3, gbs_cpu, 100 * gbs_cpu / bw.second);
}

inline void print_header(std::pair<double, double> bw) {
  std::printf("\nread bandwidth: %.1f GB/s by wall time, %.1f GB/s by CPU time\n", bw.first,
              bw.second);
  std::printf("%-44s %9s %8s %7s %9s %8s %7s\n", "case", "wall ms", "GB/s", "of bw", "cpu ms",
              "GB/s", "of bw");
}

} // namespace bench
