// Built against an installed mlxcpp (see CMakeLists.txt): a softmax over a small matrix.
#include <iostream>

#include "mlx/mlx.h"

namespace mx = mlx::core;

int main() {
  auto logits = mx::reshape(mx::arange(6.0, mx::float32), {2, 3});
  auto probs = mx::softmax(logits, -1);
  auto row_sums = mx::sum(probs, -1);
  std::cout << probs << "\n" << row_sums << "\n";
  bool ok = mx::allclose(row_sums, mx::ones({2})).item<bool>();
  std::cout << (ok ? "consumer: ok" : "consumer: wrong result") << "\n";
  return ok ? 0 : 1;
}
