// Dense matrix-product rates: raw OpenBLAS sgemm against mlx::core::matmul in float32,
// bfloat16 and float16, at a prompt-processing shape of a 4096-wide LM layer (512 tokens times
// a [4096, 4096] weight stored [out, in], i.e. x @ W^T), a square 2048 product, the
// matrix-vector product of decoding one token, and a mixture-of-experts gather_mm.
//
//   MLXCPP_NUM_THREADS=2 build/bench/matmul_bench --seconds 3
//
// Each case runs for about --seconds (default 0: a smoke run of three timed calls) after one
// warm-up call; the best and median wall-clock
// rates are printed, and the best rate per second of process CPU time. The line "OpenBLAS float32
// GEMM reference rate" is the figure other kernels (the quantized matmul) are measured against: raw
// sgemm with OpenBLAS's own threads, as many as our thread pool has.
#include <cblas.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "mlx/mlx.h"

#include "backend/cpu/thread_pool.h"

namespace mx = mlx::core;

namespace {

using Clock = std::chrono::steady_clock;

struct Rate {
  double best;
  double median;
  double per_cpu_second; // best rate per second of process CPU time (all threads)
};

double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// Calls fn repeatedly for about `seconds` (at least 3 times) after a warm-up call; returns the
// best and median of work / wall time, and the best work / CPU time, in units of 1e9 per
// second. On a machine shared with other jobs the wall rates drop with the load, while the
// CPU-time rate (times the thread count, for work that scales) shows what the cores deliver.
Rate measure(double work, double seconds, const std::function<void()>& fn) {
  fn();
  std::vector<double> times;
  double best_cpu = 1e30;
  auto start = Clock::now();
  do {
    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    fn();
    best_cpu = std::min(best_cpu, cpu_seconds() - c0);
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  } while (times.size() < 3 ||
           std::chrono::duration<double>(Clock::now() - start).count() < seconds);
  std::sort(times.begin(), times.end());
  return {work / times.front() * 1e-9, work / times[times.size() / 2] * 1e-9,
          work / best_cpu * 1e-9};
}

void report(const char* shape, const char* what, Rate r, const char* unit = "GFLOP/s") {
  std::printf("%-22s %-42s %8.1f %8.1f %10.1f  %s\n", shape, what, r.best, r.median,
              r.per_cpu_second, unit);
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

mx::array random_array(int rows, int cols, mx::Dtype dtype) {
  auto v = random_floats(static_cast<size_t>(rows) * cols);
  auto a = mx::astype(mx::array(v.begin(), {rows, cols}, mx::float32), dtype);
  mx::eval(a);
  return a;
}

// Raw cblas_sgemm: C[M, N] = A[M, K] @ op(B), B stored [N, K] (transposed) or [K, N].
Rate raw_sgemm(int M, int K, int N, bool b_transposed, int threads, double seconds) {
  auto a = random_floats(static_cast<size_t>(M) * K);
  auto b = random_floats(static_cast<size_t>(K) * N);
  std::vector<float> c(static_cast<size_t>(M) * N);
  const int saved = openblas_get_num_threads();
  openblas_set_num_threads(threads);
  auto rate = measure(2.0 * M * N * K, seconds, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans, M, N, K,
                1.0f, a.data(), K, b.data(), b_transposed ? K : N, 0.0f, c.data(), N);
  });
  openblas_set_num_threads(saved);
  return rate;
}

// mlx matmul of x [M, K] with a weight stored [N, K] used transposed, or stored [K, N].
Rate mlx_matmul(int M, int K, int N, bool b_transposed, mx::Dtype dtype, double seconds) {
  auto x = random_array(M, K, dtype);
  auto w = b_transposed ? mx::transpose(random_array(N, K, dtype)) : random_array(K, N, dtype);
  return measure(2.0 * M * N * K, seconds, [&] { mx::eval(mx::matmul(x, w)); });
}

} // namespace

int main(int argc, char** argv) {
  double seconds = 0.0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
    }
  }
  const int threads = mx::cpu::num_threads();
  std::printf("matmul_bench: %d threads (MLXCPP_NUM_THREADS), %s, core %s\n", threads,
              openblas_get_config(), openblas_get_corename());
  std::printf("%-22s %-42s %8s %8s %10s\n", "shape MxKxN", "path", "best", "median", "per CPU-s");

  struct Shape {
    const char* name;
    int M, K, N;
    bool b_transposed;
  };
  const Shape shapes[] = {{"512x4096x4096 x@W^T", 512, 4096, 4096, true},
                          {"2048x2048x2048", 2048, 2048, 2048, false}};
  Rate reference{}, reference_one{};
  for (const auto& s : shapes) {
    auto blas = raw_sgemm(s.M, s.K, s.N, s.b_transposed, threads, seconds);
    auto one = raw_sgemm(s.M, s.K, s.N, s.b_transposed, 1, seconds);
    if (&s == &shapes[0]) {
      reference = blas;
      reference_one = one;
    }
    std::string label = "openblas sgemm, " + std::to_string(threads) + " OpenBLAS threads";
    report(s.name, label.c_str(), blas);
    report(s.name, "openblas sgemm, 1 thread", one);
    for (auto dtype : {mx::float32, mx::bfloat16, mx::float16}) {
      std::string what = std::string("mlx matmul ") + mx::dtype_to_string(dtype);
      report(s.name, what.c_str(), mlx_matmul(s.M, s.K, s.N, s.b_transposed, dtype, seconds));
    }
  }
  // Decoding one token: bound by reading the weight, so the rate is in GB/s of weights.
  for (auto dtype : {mx::float32, mx::bfloat16, mx::float16}) {
    const int K = 4096, N = 4096;
    auto x = random_array(1, K, dtype);
    auto w = mx::transpose(random_array(N, K, dtype));
    double bytes = static_cast<double>(K) * N * mx::size_of(dtype);
    auto r = measure(bytes, seconds, [&] { mx::eval(mx::matmul(x, w)); });
    std::string what = std::string("mlx matmul ") + mx::dtype_to_string(dtype) + " (weight read)";
    report("1x4096x4096 x@W^T", what.c_str(), r, "GB/s");
  }
  // Mixture-of-experts prompt processing as mlx-lm runs it: 512 tokens routed to 8 of 64
  // experts, rows sorted by expert, x @ W_e^T with W [64, 768, 2048].
  for (auto dtype : {mx::float32, mx::bfloat16}) {
    const int tokens = 512, top_k = 8, experts = 64, D = 2048, F = 768;
    const int rows = tokens * top_k;
    std::vector<uint32_t> idx(rows);
    std::mt19937 rng(3);
    for (auto& e : idx) {
      e = rng() % experts;
    }
    std::sort(idx.begin(), idx.end());
    auto x = mx::reshape(random_array(rows, D, dtype), {rows, 1, D});
    auto w = mx::reshape(random_array(experts * F, D, dtype), {experts, F, D});
    auto indices = mx::array(idx.begin(), {rows}, mx::uint32);
    auto wt = mx::swapaxes(w, -1, -2);
    auto r = measure(2.0 * rows * D * F, seconds,
                     [&] { mx::eval(mx::gather_mm(x, wt, std::nullopt, indices, true)); });
    std::string what = std::string("mlx gather_mm sorted ") + mx::dtype_to_string(dtype);
    report("4096x2048x768 64 exp", what.c_str(), r);
  }
  std::printf("\nOpenBLAS float32 GEMM reference rate: %.1f GFLOP/s (512x4096x4096 x@W^T, %d "
              "OpenBLAS threads, best wall-clock run above); one thread: %.1f GFLOP/s wall, "
              "%.1f GFLOP per CPU-second\n",
              reference.best, threads, reference_one.best, reference_one.per_cpu_second);
  return 0;
}
