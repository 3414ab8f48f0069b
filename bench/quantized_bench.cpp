// Quantized matrix products against their physical bounds:
//  - matrix-vector (decode, batch 1): GB/s of packed weights + scales + biases read, and the
//    ratio to the memory read bandwidth measured right before each shape. Weights rotate
//    through enough copies to defeat the L3 cache.
//  - matrix-matrix (prompt processing, 512 rows): GFLOP/s and the ratio to OpenBLAS's float32
//    sgemm of the same shape, measured here too.
// Rates come from the best run of each (the medians are printed too): on a shared machine the
// best run is the one least disturbed by other processes, for the reference reads as well.
// Run: MLXCPP_NUM_THREADS=2 ./build/bench/quantized_bench [qmv|qmm]
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mlx/mlx.h"

#include "backend/cpu/quantized_kernels.h"
#include "backend/cpu/thread_pool.h"

using namespace mlx::core;
// cblas.h declares a global bfloat16 type of its own: name the dtype kBf16.
constexpr Dtype kBf16 = mlx::core::bfloat16;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Timing {
  double best;
  double median;
};

// Seconds per call of f over `reps` calls after two warm-up calls.
template <typename F>
Timing time_calls(int reps, F&& f) {
  f();
  f();
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    f();
    times.push_back(seconds_since(t0));
  }
  std::sort(times.begin(), times.end());
  return {times.front(), times[times.size() / 2]};
}

// Read bandwidth: the best of 100 reads of 32 MB on the CPU backend's threads, each read a
// different slice of a 1 GB buffer so that none comes from a cache.
// Short reads keep the reference comparable with the per-call timings below.
double measure_bandwidth() {
  const size_t slice_words = (size_t{32} << 20) / sizeof(uint64_t);
  const size_t slices = 32;
  static std::vector<uint64_t> buf(slice_words * slices, 1);
  std::vector<uint64_t> sinks(slices);
  size_t next = 0;
  auto t = time_calls(100, [&] {
    size_t slice = next++ % slices;
    const uint64_t* p = buf.data() + slice * slice_words;
    // Chunks of 256 KB handed out as threads finish, as the quantized kernels do.
    const int64_t chunk = (int64_t{256} << 10) / sizeof(uint64_t);
    std::atomic<int64_t> next_chunk{0};
    std::atomic<uint64_t> total{0};
    cpu::parallel_for(cpu::num_threads(), 1, [&](int64_t, int64_t) {
      uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (int64_t b; (b = next_chunk.fetch_add(chunk)) < static_cast<int64_t>(slice_words);) {
        for (int64_t i = b; i < b + chunk; i += 4) {
          a0 += p[i];
          a1 += p[i + 1];
          a2 += p[i + 2];
          a3 += p[i + 3];
        }
      }
      total += a0 + a1 + a2 + a3;
    });
    sinks[slice] = total;
  });
  return slice_words * sizeof(uint64_t) / t.best / 1e9;
}

array random_normal(const Shape& shape, Dtype dtype, float stddev = 1.0f) {
  std::mt19937 gen(42);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(static_cast<size_t>(shape[0]) * shape[1]);
  for (auto& e : v) {
    e = dist(gen);
  }
  return array(v.begin(), shape, dtype);
}

struct Quantized {
  array w, scales, biases;
  size_t bytes() const { return w.nbytes() + scales.nbytes() + biases.nbytes(); }
};

void bench_qmv(int out_features, int in_features, int bits, Dtype dtype) {
  const int gs = 64;
  auto wf = random_normal({out_features, in_features}, kBf16, 0.02f);
  auto q = quantize(wf, gs, bits);
  eval(q);
  Quantized base{q[0], q[1], q[2]};
  // Enough copies that each call streams its weights from memory, not the L3 cache.
  size_t copies = std::max<size_t>(2, (size_t{256} << 20) / base.bytes() + 1);
  std::vector<Quantized> mats;
  for (size_t i = 0; i < copies; ++i) {
    Quantized c{copy(base.w), copy(base.scales), copy(base.biases)};
    eval({c.w, c.scales, c.biases});
    mats.push_back(c);
  }
  auto x = random_normal({1, in_features}, dtype);
  eval(x);
  size_t next = 0;
  double bandwidth = measure_bandwidth();
  auto t = time_calls(100, [&] {
    const auto& m = mats[next++ % copies];
    auto y = quantized_matmul(x, m.w, m.scales, m.biases, true, gs, bits);
    y.eval();
  });
  double gbs = base.bytes() / t.best / 1e9;
  std::printf("qmv  %5d x %-5d  %d-bit g%d  x %-8s  %7.1f us (median %7.1f)  %5.1f GB/s  "
              "bandwidth %5.1f GB/s  %4.0f %%\n",
              out_features, in_features, bits, gs, dtype_to_string(dtype), t.best * 1e6,
              t.median * 1e6, gbs, bandwidth, 100 * gbs / bandwidth);
}

double sgemm_gflops(int m, int n, int k) {
  std::vector<float> a(size_t{m} * k, 0.5f), b(size_t{n} * k, 0.25f), c(size_t{m} * n);
  auto t = time_calls(5, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a.data(), k, b.data(), k,
                0.0f, c.data(), n);
  });
  return 2.0 * m * n * k / t.best / 1e9;
}

void bench_qmm(int rows, int out_features, int in_features, int bits, Dtype dtype,
               double sgemm_rate) {
  const int gs = 64;
  auto q = quantize(random_normal({out_features, in_features}, kBf16, 0.02f), gs, bits);
  auto x = random_normal({rows, in_features}, dtype);
  eval(q);
  eval(x);
  auto t = time_calls(5, [&] {
    auto y = quantized_matmul(x, q[0], q[1], q[2], true, gs, bits);
    y.eval();
  });
  double gflops = 2.0 * rows * out_features * in_features / t.best / 1e9;
  std::printf("qmm  %4d x %5d x %-5d  %d-bit g%d  x %-8s  %7.2f ms (median %7.2f)  %6.1f GFLOP/s  "
              "%4.0f %% of sgemm\n",
              rows, out_features, in_features, bits, gs, dtype_to_string(dtype), t.best * 1e3,
              t.median * 1e3, gflops, 100 * gflops / sgemm_rate);
}

} // namespace

int main(int argc, char** argv) {
  // Optional argument: "qmv" or "qmm" runs one half.
  std::string only = argc > 1 ? argv[1] : "";
  std::printf("threads %d (MLXCPP_NUM_THREADS), kernels %s, OpenBLAS threads %d\n",
              cpu::num_threads(), cpu::quant::kernels().name, openblas_get_num_threads());
  if (only.empty() || only == "qmv") {
    for (auto dtype : {kBf16, float32}) {
      for (int bits : {4, 8}) {
        bench_qmv(4096, 4096, bits, dtype);
        bench_qmv(14336, 4096, bits, dtype);
        bench_qmv(4096, 14336, bits, dtype);
      }
    }
    for (int bits : {2, 3, 5, 6}) {
      bench_qmv(4096, 4096, bits, kBf16);
    }
  }
  if (only.empty() || only == "qmm") {
    double sgemm = sgemm_gflops(512, 4096, 4096);
    std::printf("OpenBLAS sgemm 512 x 4096 x 4096: %.1f GFLOP/s\n", sgemm);
    for (auto dtype : {kBf16, float32}) {
      for (int bits : {4, 8}) {
        bench_qmm(512, 4096, 4096, bits, dtype, sgemm);
      }
    }
    bench_qmm(512, 4096, 4096, 3, kBf16, sgemm);
  }
  return 0;
}
