// Fused softmax and logsumexp over the last axis of large inputs, against the machine's read
// bandwidth measured first. Softmax moves its input once and its output once (the later passes
// over a row hit the cache), logsumexp only its input.
//   MLXCPP_NUM_THREADS=2 ./build/bench/softmax_bench
#include <cstdio>
#include <cstdlib>

#include "mlx/mlx.h"

#include "bandwidth_probe.h"

using namespace mlx::core;

namespace {

array random_input(const Shape& shape, Dtype dtype) {
  int64_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::vector<float> v(n);
  uint32_t state = 12345;
  for (auto& x : v) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) * (8.0f / 16777216.0f) - 4.0f;
  }
  auto a = array(v.begin(), shape, dtype);
  a.eval();
  return a;
}

} // namespace

int main() {
  if (std::getenv("MLXCPP_NUM_THREADS") == nullptr) {
    setenv("MLXCPP_NUM_THREADS", "2", 1); // the figure the issues ask for
  }
  std::printf("threads: %d\n", cpu::num_threads());
  double bw = bench::measure_read_bandwidth();
  std::printf("read bandwidth: %.1f GB/s\n\n", bw);
  std::printf("%-10s %-9s %-16s %10s %10s %8s\n", "op", "dtype", "shape", "best ms", "GB/s",
              "of bw");
  for (Dtype dtype : {float32, bfloat16, float16}) {
    for (const auto& shape : {Shape{8192, 4096}, Shape{1024, 32768}, Shape{128, 151936}}) {
      auto x = random_input(shape, dtype);
      double bytes = static_cast<double>(x.nbytes());
      char shape_text[32];
      std::snprintf(shape_text, sizeof(shape_text), "%dx%d", shape[0], shape[1]);
      auto [best, median] = bench::time_runs([&] { eval(softmax(x, -1)); }, 20);
      std::printf("%-10s %-9s %-16s %10.2f %10.1f %7.0f%%\n", "softmax", dtype_to_string(dtype),
                  shape_text, best * 1e3, 2 * bytes / best / 1e9,
                  100 * 2 * bytes / best / 1e9 / bw);
      auto [lbest, lmedian] = bench::time_runs([&] { eval(logsumexp(x, -1)); }, 20);
      std::printf("%-10s %-9s %-16s %10.2f %10.1f %7.0f%%\n", "logsumexp", dtype_to_string(dtype),
                  shape_text, lbest * 1e3, bytes / lbest / 1e9, 100 * bytes / lbest / 1e9 / bw);
    }
  }
  return 0;
}
