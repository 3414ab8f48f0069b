// A tour of mlxcpp's array API (the same as Apple MLX's C++ API): lazy arrays, broadcasting,
// type promotion, views, reductions and evaluation.
#include <iostream>

#include "mlx/mlx.h"

namespace mx = mlx::core;

int main() {
  std::cout << "mlxcpp " << mx::version() << " on " << mx::default_device() << "\n\n";

  // Arrays are lazy: nothing is computed until they are evaluated or printed.
  auto a = mx::arange(12, mx::float32);
  auto m = mx::reshape(a, {3, 4});
  auto b = mx::array({1.0f, 10.0f, 100.0f, 1000.0f});
  auto c = m * b + 1.0f; // broadcasting: (3, 4) * (4,)
  std::cout << "m * b + 1 =\n" << c << "\n\n";

  // Views share memory: a transpose and a strided slice copy nothing.
  auto t = mx::transpose(m);
  auto every_other = mx::slice(m, {0, 0}, {3, 4}, {1, 2});
  std::cout << "transpose(m) =\n" << t << "\nm[:, ::2] =\n" << every_other << "\n\n";

  // Type promotion follows MLX: int32 + float16 -> float16, uint8 + int8 -> int16.
  auto i = mx::array({1, 2, 3});
  auto h = mx::astype(mx::array({0.5f, 0.25f, 0.125f}), mx::float16);
  std::cout << "int32 + float16 -> " << (i + h).dtype() << "\n";
  std::cout << "uint8 + int8 -> " << mx::promote_types(mx::uint8, mx::int8) << "\n\n";

  // Reductions over axes.
  std::cout << "sum(m, axis=0) = " << mx::sum(m, 0) << "\n";
  std::cout << "mean(m) = " << mx::mean(m).item<float>() << "\n";
  std::cout << "argmax(c, axis=1) = " << mx::argmax(c, 1) << "\n\n";

  // Explicit evaluation and memory statistics.
  auto big = mx::ones({1024, 1024});
  auto total = mx::sum(big * 2.0f);
  mx::eval(total);
  std::cout << "sum(2 * ones(1024, 1024)) = " << total.item<float>() << "\n";
  std::cout << "peak memory: " << mx::get_peak_memory() / 1024 << " KiB\n";
  return 0;
}
