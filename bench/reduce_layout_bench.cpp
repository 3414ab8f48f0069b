// Reductions by layout, against the machine's read bandwidth measured first: a full sum, rows
// (the reduced axis contiguous), columns (a kept axis contiguous), a transposed input, a
// strided view (every second element), and an argmax over rows.
//   MLXCPP_NUM_THREADS=2 ./build/bench/reduce_layout_bench
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "bandwidth_probe.h"
#include "mlx/mlx.h"

using namespace mlx::core;

namespace {

array random_input(const Shape& shape, Dtype dtype) {
  int64_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::vector<float> v(n);
  uint32_t state = 777;
  for (auto& x : v) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
  auto a = array(v.begin(), shape, dtype);
  a.eval();
  return a;
}

} // namespace

int main() {
  if (std::getenv("MLXCPP_NUM_THREADS") == nullptr) {
    setenv("MLXCPP_NUM_THREADS", "2", 1);
  }
  std::printf("threads: %d\n", cpu::num_threads());
  double bw = bench::measure_read_bandwidth();
  std::printf("read bandwidth: %.1f GB/s\n\n", bw);
  std::printf("%-30s %-9s %10s %10s %8s\n", "case", "dtype", "best ms", "GB/s", "of bw");
  for (Dtype dtype : {float32, bfloat16, float16}) {
    // 2^25 elements: 128 MiB of float32, far beyond the caches.
    auto x = random_input({8192, 4096}, dtype);
    auto wide = random_input({4096, 8192}, dtype);
    auto strided = slice(wide, {0, 0}, {4096, 8192}, {1, 2}); // every second element
    auto transposed = transpose(random_input({4096, 8192}, dtype));
    struct Case {
      std::string name;
      std::function<array()> op;
      double bytes; // bytes the reduction must read
    };
    double bytes = static_cast<double>(x.nbytes());
    std::vector<Case> cases = {
        {"sum all", [&] { return sum(x); }, bytes},
        {"sum rows (axis 1)", [&] { return sum(x, 1); }, bytes},
        {"sum columns (axis 0)", [&] { return sum(x, 0); }, bytes},
        {"max rows (axis 1)", [&] { return max(x, 1); }, bytes},
        {"max columns (axis 0)", [&] { return max(x, 0); }, bytes},
        {"sum transposed (axis 1)", [&] { return sum(transposed, 1); }, bytes},
        // The strided view skips half of each cache line it reads.
        {"sum strided view (axis 1)", [&] { return sum(strided, 1); }, 2 * bytes},
        {"argmax rows (axis 1)", [&] { return argmax(x, 1); }, bytes},
        {"argmax columns (axis 0)", [&] { return argmax(x, 0); }, bytes},
    };
    for (const auto& c : cases) {
      auto [best, median] = bench::time_runs([&] { eval(c.op()); }, 20);
      double gbs = c.bytes / best / 1e9;
      std::printf("%-30s %-9s %10.2f %10.1f %7.0f%%\n", c.name.c_str(), dtype_to_string(dtype),
                  best * 1e3, gbs, 100 * gbs / bw);
    }
  }
  return 0;
}
