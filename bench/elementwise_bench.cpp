// Element-wise and reduction throughput against the machine's memory bandwidth, both measured
// here with the same number of threads:
//   - read bandwidth: each thread sums its share of a 1 GiB buffer (plain loop);
//   - copy bandwidth: each thread copies its share of 512 MiB, with memcpy or with streaming
//     stores, whichever is faster (bytes read + bytes written).
// `add` (c = a + b: two reads, one write, 12 bytes per float32 element) is compared with the copy
// bandwidth, `sum` (a full reduction, 4 bytes per element) with the read bandwidth. Steady
// state: the output buffer of `add` comes back from the allocator's cache, so page faults of
// fresh memory are not timed.
//
//   MLXCPP_NUM_THREADS=2 ./build/bench/elementwise_bench [--half] [elements ...]
// Sizes default to 1e7 and 1e8 float32 elements; --half adds float16 and bfloat16 arrays.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mlx/mlx.h"

#include "backend/cpu/streaming_store.h"
#include "backend/cpu/thread_pool.h"

namespace mx = mlx::core;

namespace {

using Clock = std::chrono::steady_clock;

// The best of `reps` timings of f, in seconds.
double best_seconds(int reps, const std::function<void()>& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

// Runs fn(thread, begin, end) over [0, n) on `threads` threads.
void split(int threads, size_t n, const std::function<void(int, size_t, size_t)>& fn) {
  std::vector<std::thread> pool;
  size_t per = (n + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    size_t lo = std::min(n, t * per), hi = std::min(n, lo + per);
    pool.emplace_back(fn, t, lo, hi);
  }
  for (auto& th : pool) {
    th.join();
  }
}

// Sums [lo, hi) with independent vector accumulators, fast enough to be bound by memory.
float sum_range(const float* x, size_t lo, size_t hi) {
  size_t i = lo;
  float total = 0;
#if defined(__SSE2__)
  __m128 acc[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  for (; i + 16 <= hi; i += 16) {
    for (int k = 0; k < 4; ++k) {
      acc[k] = _mm_add_ps(acc[k], _mm_loadu_ps(x + i + 4 * k));
    }
  }
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, _mm_add_ps(_mm_add_ps(acc[0], acc[1]), _mm_add_ps(acc[2], acc[3])));
  total = lanes[0] + lanes[1] + lanes[2] + lanes[3];
#endif
  for (; i < hi; ++i) {
    total += x[i];
  }
  return total;
}

// The bandwidth of `threads` threads each summing its share of a 1 GiB buffer.
double read_bandwidth(int threads, const std::vector<float>& buf) {
  std::vector<float> partial(threads * 16);
  double t = best_seconds(3, [&] {
    split(threads, buf.size(),
          [&](int th, size_t lo, size_t hi) { partial[th * 16] = sum_range(buf.data(), lo, hi); });
  });
  if (partial[0] < 0) { // keeps the loop from being optimized away
    std::printf("?\n");
  }
  return buf.size() * sizeof(float) / t / 1e9;
}

// The bandwidth (bytes read + bytes written) of `threads` threads each copying its share of
// 512 MiB, with memcpy or with streaming stores, whichever is faster.
double copy_bandwidth(int threads, const std::vector<char>& src, std::vector<char>& dst) {
  double t_memcpy = best_seconds(3, [&] {
    split(threads, src.size(), [&](int, size_t lo, size_t hi) {
      std::memcpy(dst.data() + lo, src.data() + lo, hi - lo);
    });
  });
  double t_stream = best_seconds(3, [&] {
    split(threads, src.size(), [&](int, size_t lo, size_t hi) {
      mx::cpu::stream_copy(dst.data() + lo, src.data() + lo, hi - lo);
      mx::cpu::stream_fence();
    });
  });
  return 2.0 * src.size() / std::min(t_memcpy, t_stream) / 1e9;
}

struct Case {
  size_t n;
  mx::Dtype dtype;
  mx::array a, b;
  double add_s = 1e30, sum_s = 1e30;        // best times
  std::vector<double> add_ratio, sum_ratio; // per round, against that round's bandwidth
  float total = 0;
};

Case make_case(size_t n, mx::Dtype dtype) {
  int size = static_cast<int>(n);
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) {
    values[i] = static_cast<float>(i % 1000) * 1e-3f;
  }
  auto a = mx::astype(mx::array(values.begin(), {size}), dtype);
  auto b = mx::astype(mx::array(values.rbegin(), {size}), dtype);
  mx::eval(a, b);
  return {n, dtype, a, b};
}

void time_case(Case& c, double read_gbs, double copy_gbs) {
  int reps = c.n >= 50'000'000 ? 3 : 10;
  double bytes = static_cast<double>(c.n) * c.dtype.size();
  auto add_once = [&] {
    auto out = c.a + c.b;
    mx::eval(out);
  };
  add_once(); // the output buffer now sits in the allocator's cache
  double t_add = best_seconds(reps, add_once);
  auto sum_once = [&] {
    auto s = mx::sum(c.a);
    mx::eval(s);
    c.total = mx::astype(s, mx::float32).item<float>();
  };
  double t_sum = best_seconds(reps, sum_once);
  c.add_s = std::min(c.add_s, t_add);
  c.sum_s = std::min(c.sum_s, t_sum);
  c.add_ratio.push_back(3 * bytes / t_add / 1e9 / copy_gbs);
  c.sum_ratio.push_back(bytes / t_sum / 1e9 / read_gbs);
}

// "median (min-max)" of per-round ratios, in percent.
std::string ratio_summary(std::vector<double> r) {
  std::sort(r.begin(), r.end());
  char text[64];
  std::snprintf(text, sizeof(text), "%5.1f %% (%.0f-%.0f)", 100 * r[r.size() / 2], 100 * r.front(),
                100 * r.back());
  return text;
}

} // namespace

int main(int argc, char** argv) {
  setenv("MLXCPP_NUM_THREADS", "2", /* overwrite */ 0);
  int threads = mx::cpu::num_threads();
  std::vector<size_t> sizes;
  std::vector<mx::Dtype> dtypes = {mx::float32};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--half") {
      dtypes = {mx::float32, mx::float16, mx::bfloat16};
    } else {
      sizes.push_back(static_cast<size_t>(std::stod(argv[i])));
    }
  }
  if (sizes.empty()) {
    sizes = {10'000'000, 100'000'000};
  }
  std::vector<Case> cases;
  for (auto dtype : dtypes) {
    for (size_t n : sizes) {
      cases.push_back(make_case(n, dtype));
    }
  }
  std::vector<float> read_buf((size_t{1} << 30) / sizeof(float), 1.0f);
  std::vector<char> src(size_t{512} << 20, 1), dst(size_t{512} << 20, 0);

  // Each round measures the bandwidth and then the ops, and compares them within the round, so
  // that a shared machine's drift does not skew one side of a ratio; ratios are reported as the
  // median over rounds (with the range), throughputs as the best seen.
  double read_best = 0, copy_best = 0;
  constexpr int rounds = 7;
  for (int r = 0; r < rounds; ++r) {
    double read_gbs = read_bandwidth(threads, read_buf);
    double copy_gbs = copy_bandwidth(threads, src, dst);
    read_best = std::max(read_best, read_gbs);
    copy_best = std::max(copy_best, copy_gbs);
    for (auto& c : cases) {
      time_case(c, read_gbs, copy_gbs);
    }
  }
  std::printf("threads: %d\n", threads);
  std::printf("memory bandwidth (%d threads, best of %d rounds): read %.1f GB/s (sum of 1 GiB), "
              "copy %.1f GB/s (512 MiB, read + write bytes)\n",
              threads, rounds, read_best, copy_best);
  std::printf("dtype     elements      op   best time    throughput  median ratio (range) over "
              "rounds\n");
  for (const auto& c : cases) {
    double bytes = static_cast<double>(c.n) * c.dtype.size();
    const char* dtype = mx::dtype_to_string(c.dtype);
    std::printf("%-8s  %-12zu  add  %8.3f ms  %6.1f GB/s  %s of copy bandwidth\n", dtype, c.n,
                c.add_s * 1e3, 3 * bytes / c.add_s / 1e9, ratio_summary(c.add_ratio).c_str());
    std::printf("%-8s  %-12zu  sum  %8.3f ms  %6.1f GB/s  %s of read bandwidth (sum = %.4g)\n",
                dtype, c.n, c.sum_s * 1e3, bytes / c.sum_s / 1e9,
                ratio_summary(c.sum_ratio).c_str(), static_cast<double>(c.total));
  }
  return 0;
}
