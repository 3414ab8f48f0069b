// Softmax and logsumexp rows in float, whatever the storage type (compiled once per
// instruction set; see softmax_kernels.h). Three passes over a row: its max, the sum of
// exponentials, then the exponentials again scaled and stored; the row is read from memory
// once and from cache after that.
#include <cmath>

#include "backend/cpu/float_vec.h"
#include "backend/cpu/softmax_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr int w = VecF::width;

// Max of x[0..n), NaN if any element is NaN.
template <typename T>
float row_max(const T* x, int64_t n) {
  VecF m0 = broadcast(-INFINITY), m1 = m0;
  int64_t i = 0;
  for (; i + 2 * w <= n; i += 2 * w) {
    m0 = max_nan(m0, load(x + i));
    m1 = max_nan(m1, load(x + i + w));
  }
  for (; i + w <= n; i += w) {
    m0 = max_nan(m0, load(x + i));
  }
  if (i < n) {
    m1 = max_nan(m1, load_partial(x + i, static_cast<int>(n - i), -INFINITY));
  }
  VecF m = max_nan(m0, m1);
  return any_nan(m) ? NAN : reduce_max(m);
}

// Sum of exp(x - shift) over x[0..n).
template <typename T>
float row_exp_sum(const T* x, int64_t n, float shift) {
  VecF s = broadcast(shift);
  VecF a0 = broadcast(0.0f), a1 = a0;
  int64_t i = 0;
  for (; i + 2 * w <= n; i += 2 * w) {
    a0 = a0 + exp(load(x + i) - s);
    a1 = a1 + exp(load(x + i + w) - s);
  }
  for (; i + w <= n; i += w) {
    a0 = a0 + exp(load(x + i) - s);
  }
  if (i < n) {
    a1 = a1 + exp(load_partial(x + i, static_cast<int>(n - i), -INFINITY) - s);
  }
  return reduce_add(a0 + a1);
}

template <typename T>
void softmax_row(const void* in, void* out, int64_t n) {
  const T* x = static_cast<const T*>(in);
  T* y = static_cast<T*>(out);
  float m = row_max(x, n);
  VecF shift = broadcast(m);
  VecF scale = broadcast(1.0f / row_exp_sum(x, n, m));
  int64_t i = 0;
  for (; i + w <= n; i += w) {
    store(y + i, exp(load(x + i) - shift) * scale);
  }
  if (i < n) {
    int rest = static_cast<int>(n - i);
    store_partial(y + i, exp(load_partial(x + i, rest, -INFINITY) - shift) * scale, rest);
  }
}

template <typename T>
float logsumexp_row(const void* in, int64_t n) {
  const T* x = static_cast<const T*>(in);
  float m = row_max(x, n);
  if (std::isinf(m)) {
    return m;
  }
  return m + std::log(row_exp_sum(x, n, m));
}

} // namespace

SoftmaxKernels softmax_kernels(Dtype dtype) {
  if (dtype == float16) {
    return {softmax_row<float16_t>, logsumexp_row<float16_t>};
  }
  if (dtype == bfloat16) {
    return {softmax_row<bfloat16_t>, logsumexp_row<bfloat16_t>};
  }
  return {softmax_row<float>, logsumexp_row<float>};
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
