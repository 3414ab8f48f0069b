// The vector loops behind reductions of float32/float16/bfloat16 (compiled once per
// instruction set; see reduce_kernels.h). Four vector accumulators hide the add latency and
// spread the rounding error over 4 x width partial sums.
#include "backend/cpu/float_vec.h"
#include "backend/cpu/reduce_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

struct SumOp {
  static VecF apply(VecF acc, VecF x) { return acc + x; }
  static float combine(VecF acc) { return reduce_add(acc); }
  static float apply(float acc, float x) { return acc + x; }
  static constexpr float identity = 0.0f;
};
struct ProdOp {
  static VecF apply(VecF acc, VecF x) { return acc * x; }
  static float combine(VecF acc) { return reduce_mul(acc); }
  static float apply(float acc, float x) { return acc * x; }
  static constexpr float identity = 1.0f;
};
struct MaxOp {
  static VecF apply(VecF acc, VecF x) { return max_nan(acc, x); }
  static float combine(VecF acc) { return any_nan(acc) ? NAN : reduce_max(acc); }
  static float apply(float acc, float x) { return (x > acc || x != x) ? x : acc; }
  static constexpr float identity = -INFINITY;
};
struct MinOp {
  static VecF apply(VecF acc, VecF x) { return min_nan(acc, x); }
  static float combine(VecF acc) { return any_nan(acc) ? NAN : reduce_min(acc); }
  static float apply(float acc, float x) { return (x < acc || x != x) ? x : acc; }
  static constexpr float identity = INFINITY;
};

template <typename T, typename Op>
float run(const void* data, int64_t n, float init) {
  const T* x = static_cast<const T*>(data);
  constexpr int w = VecF::width;
  int64_t i = 0;
  float result = init;
  if (n >= w) {
    VecF a0 = broadcast(Op::identity), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 4 * w <= n; i += 4 * w) {
      a0 = Op::apply(a0, load(x + i));
      a1 = Op::apply(a1, load(x + i + w));
      a2 = Op::apply(a2, load(x + i + 2 * w));
      a3 = Op::apply(a3, load(x + i + 3 * w));
    }
    for (; i + w <= n; i += w) {
      a0 = Op::apply(a0, load(x + i));
    }
    result = Op::apply(result, Op::combine(Op::apply(Op::apply(a0, a1), Op::apply(a2, a3))));
  }
  for (; i < n; ++i) {
    result = Op::apply(result, static_cast<float>(x[i]));
  }
  return result;
}

template <typename T, typename Op>
void accumulate(float* acc, const void* data, int64_t n) {
  const T* x = static_cast<const T*>(data);
  constexpr int w = VecF::width;
  int64_t i = 0;
  for (; i + 2 * w <= n; i += 2 * w) {
    store(acc + i, Op::apply(load(acc + i), load(x + i)));
    store(acc + i + w, Op::apply(load(acc + i + w), load(x + i + w)));
  }
  for (; i < n; ++i) {
    acc[i] = Op::apply(acc[i], static_cast<float>(x[i]));
  }
}

template <typename T>
FloatReduceKernels kernels_for(FloatReduce op) {
  switch (op) {
  case FloatReduce::Sum:
    return {run<T, SumOp>, accumulate<T, SumOp>};
  case FloatReduce::Prod:
    return {run<T, ProdOp>, accumulate<T, ProdOp>};
  case FloatReduce::Max:
    return {run<T, MaxOp>, accumulate<T, MaxOp>};
  case FloatReduce::Min:
    break;
  }
  return {run<T, MinOp>, accumulate<T, MinOp>};
}

} // namespace

FloatReduceKernels float_reduce_kernels(Dtype dtype, FloatReduce op) {
  if (dtype == float16) {
    return kernels_for<float16_t>(op);
  }
  if (dtype == bfloat16) {
    return kernels_for<bfloat16_t>(op);
  }
  return kernels_for<float>(op);
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
