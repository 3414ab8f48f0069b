// Reductions by layout, against the machine's read bandwidth measured first: a full sum, rows
// (the reduced axis contiguous), columns (a kept axis contiguous), a transposed input, a
// strided view (every second element), and an argmax over rows.
//   MLXCPP_NUM_THREADS=2 ./build/bench/reduce_layout_bench
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

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
  for (Dtype dtype : {float32, bfloat16, float16}) {
    // The bandwidth is read again before each dtype: on a shared machine it drifts.
    auto bw = bench::measure_read_bandwidth();
    bench::print_header(bw);
    // 128 MiB inputs, four times the largest L3 in sight.
    int cols = static_cast<int>(4096 * 4 / size_of(dtype));
    auto x = random_input({8192, cols}, dtype);
    auto wide = random_input({4096, 2 * cols}, dtype);
    auto strided = slice(wide, {0, 0}, {4096, 2 * cols}, {1, 2}); // every second element
    auto transposed = transpose(random_input({cols, 8192}, dtype));
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
        // The strided view uses half of each cache line it reads: count the lines.
        {"sum strided view (axis 1)", [&] { return sum(strided, 1); },
         static_cast<double>(wide.nbytes())},
        {"argmax rows (axis 1)", [&] { return argmax(x, 1); }, bytes},
        {"argmax columns (axis 0)", [&] { return argmax(x, 0); }, bytes},
    };
    for (const auto& c : cases) {
      auto label = c.name + " " + dtype_to_string(dtype);
      bench::print_row(label.c_str(), c.bytes, bench::time_runs([&] { eval(c.op()); }, 20), bw);
    }
  }
  return 0;
}
