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
  for (Dtype dtype : {float32, bfloat16, float16}) {
    // The bandwidth is read again before each dtype: on a shared machine it drifts.
    auto bw = bench::measure_read_bandwidth();
    bench::print_header(bw);
    // 128 MiB inputs (four times the largest L3 in sight), rows of 4096 to 151936 (a vocab).
    for (int cols : {4096, 32768, 151936}) {
      int rows = static_cast<int>((size_t{128} << 20) / (cols * size_of(dtype)));
      auto x = random_input({rows, cols}, dtype);
      double bytes = static_cast<double>(x.nbytes());
      char label[64];
      std::snprintf(label, sizeof(label), "softmax %s %dx%d", dtype_to_string(dtype), rows, cols);
      bench::print_row(label, 2 * bytes, bench::time_runs([&] { eval(softmax(x, -1)); }, 20), bw);
      std::snprintf(label, sizeof(label), "logsumexp %s %dx%d", dtype_to_string(dtype), rows, cols);
      bench::print_row(label, bytes, bench::time_runs([&] { eval(logsumexp(x, -1)); }, 20), bw);
    }
  }
  return 0;
}
