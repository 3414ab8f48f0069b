// Times one square matrix product on the default device (the GPU when there is one):
//   matmul_timing [n=8192] [dtype=bfloat16|float16|float32] [repeats=20]
// Prints the median time and TFLOP/s. Inputs are random (never zeros, which run faster).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "mlx/mlx.h"

namespace mx = mlx::core;

int main(int argc, char** argv) {
  int n = argc > 1 ? std::stoi(argv[1]) : 8192;
  std::string name = argc > 2 ? argv[2] : "bfloat16";
  int repeats = argc > 3 ? std::stoi(argv[3]) : 20;
  mx::Dtype dtype =
      name == "float32" ? mx::float32 : (name == "float16" ? mx::float16 : mx::bfloat16);
  // Two input sets, alternated.
  std::vector<mx::array> a, b;
  for (int i = 0; i < 2; ++i) {
    a.push_back(mx::random::normal({n, n}, dtype, 0.0f, 1.0f, mx::random::key(2 * i)));
    b.push_back(mx::random::normal({n, n}, dtype, 0.0f, 1.0f, mx::random::key(2 * i + 1)));
  }
  mx::eval(a);
  mx::eval(b);
  auto stream = mx::default_stream(mx::default_device());
  std::vector<double> ms;
  for (int r = 0; r < repeats + 3; ++r) {
    mx::synchronize(stream);
    auto t0 = std::chrono::steady_clock::now();
    auto c = mx::matmul(a[r % 2], b[r % 2]);
    mx::eval(c);
    mx::synchronize(stream);
    auto t1 = std::chrono::steady_clock::now();
    if (r >= 3) { // the first products load kernels and pick algorithms
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  std::sort(ms.begin(), ms.end());
  double median = ms[ms.size() / 2];
  double tflops = 2.0 * n * n * static_cast<double>(n) / (median * 1e-3) / 1e12;
  std::printf("matmul %s %d^3 on %s: median %.3f ms, %.1f TFLOP/s\n", name.c_str(), n,
              mx::default_device() == mx::Device(mx::Device::gpu) ? "gpu" : "cpu", median, tflops);
  return 0;
}
