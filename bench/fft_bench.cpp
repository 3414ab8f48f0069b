// FFT rates, in GFLOP/s by the usual 5 N log2 N convention for a complex transform of N points
// (2.5 N log2 N for a real one), whatever the algorithm: power-of-two lengths (1024, 4096), a
// 2^3 5^3 length (1000) and a prime one (4099, Bluestein), one transform and batches.
//
//   MLXCPP_NUM_THREADS=2 build/bench/fft_bench --seconds 2
//
// "plan" rows time the 1-D engine alone on one thread (no graph, no copies); "fft"/"rfft" rows
// time mlx::core::fft ops end to end (graph building, output allocation, the pool). Each case
// runs for about --seconds (default 0: a smoke run of three timed samples) after a warm-up call
// and prints the best and median wall-clock rates and the best rate per second of process CPU
// time (all threads), which is what the cores deliver when the machine is shared.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "mlx/mlx.h"

#include "backend/cpu/fft_plan.h"
#include "backend/cpu/thread_pool.h"

namespace mx = mlx::core;

namespace {

using Clock = std::chrono::steady_clock;

struct Rate {
  double best;
  double median;
  double per_cpu_second;
};

double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// Calls fn for about `seconds` (at least 3 samples) after a warm-up call; returns work / time
// in units of 1e9 per second. A sample repeats fn for at least 2 ms, so that the process CPU
// clock resolves it.
Rate measure(double work, double seconds, const std::function<void()>& fn) {
  auto w0 = Clock::now();
  fn();
  double once = std::chrono::duration<double>(Clock::now() - w0).count();
  const int reps = std::max(1, static_cast<int>(2e-3 / std::max(once, 1e-9)));
  std::vector<double> times;
  double best_cpu = 1e30;
  auto start = Clock::now();
  do {
    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    for (int r = 0; r < reps; ++r) {
      fn();
    }
    best_cpu = std::min(best_cpu, (cpu_seconds() - c0) / reps);
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / reps);
  } while (times.size() < 3 ||
           std::chrono::duration<double>(Clock::now() - start).count() < seconds);
  std::sort(times.begin(), times.end());
  return {work / times.front() * 1e-9, work / times[times.size() / 2] * 1e-9,
          work / best_cpu * 1e-9};
}

void report(const std::string& what, int n, int batch, Rate r) {
  std::printf("%-28s %6d %6d %9.2f %9.2f %10.2f\n", what.c_str(), n, batch, r.best, r.median,
              r.per_cpu_second);
}

std::vector<float> random_floats(size_t n) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) {
    x = dist(rng);
  }
  return v;
}

double complex_flops(int n) {
  return 5.0 * n * std::log2(static_cast<double>(n));
}

// The engine alone: `batch` in-place transforms of one contiguous buffer, on this thread.
Rate plan_rate(int n, int batch, double seconds) {
  auto plan = mx::cpu::fft::Plan<float>::get(n);
  auto values = random_floats(2 * static_cast<size_t>(n) * batch);
  auto* data = reinterpret_cast<mx::cpu::fft::Complex<float>*>(values.data());
  std::vector<mx::cpu::fft::Complex<float>> scratch(plan->scratch_size());
  return measure(complex_flops(n) * batch, seconds, [&] {
    for (int b = 0; b < batch; ++b) {
      plan->execute(data + static_cast<size_t>(b) * n, scratch.data(), false);
    }
  });
}

mx::array random_array(int batch, int n, mx::Dtype dtype) {
  auto v = random_floats(static_cast<size_t>(batch) * n);
  auto a = mx::astype(mx::array(v.begin(), {batch, n}, mx::float32), dtype);
  mx::eval(a);
  return a;
}

} // namespace

int main(int argc, char** argv) {
  double seconds = 0.0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
    }
  }
  std::printf("fft_bench: %d threads (MLXCPP_NUM_THREADS); GFLOP/s = 5 N log2 N (complex), "
              "2.5 N log2 N (real) per transform\n",
              mx::cpu::num_threads());
  std::printf("%-28s %6s %6s %9s %9s %10s\n", "path", "N", "batch", "best", "median", "per CPU-s");
  const int lengths[] = {1024, 4096, 1000, 4099};
  for (int n : lengths) {
    report("plan complex64, 1 thread", n, 1, plan_rate(n, 1, seconds));
  }
  for (int n : lengths) {
    for (int batch : {1, 256}) {
      auto z = random_array(batch, n, mx::complex64);
      report("fft complex64", n, batch,
             measure(complex_flops(n) * batch, seconds, [&] { mx::eval(mx::fft::fft(z)); }));
      auto x = random_array(batch, n, mx::float32);
      report("rfft float32", n, batch,
             measure(complex_flops(n) / 2 * batch, seconds, [&] { mx::eval(mx::fft::rfft(x)); }));
    }
  }
  // A 2-D transform: the column pass gathers strided lines.
  auto image = mx::reshape(random_array(1, 1024 * 1024, mx::complex64), {1024, 1024});
  report("fft2 complex64 (1024x1024)", 1024, 1024,
         measure(complex_flops(1024 * 1024), seconds, [&] { mx::eval(mx::fft::fft2(image)); }));
  return 0;
}
