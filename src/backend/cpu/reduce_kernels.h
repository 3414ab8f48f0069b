// Vectorized reduction loops over float32/float16/bfloat16 data with a float accumulator, one
// set per instruction-set variant (reduce_isa.cpp); float_reduce_kernels() gives the active one.
#pragma once

#include <cstdint>

#include "mlx/dtype.h"

namespace mlx::core::cpu {

enum class FloatReduce { Sum, Prod, Max, Min };

struct FloatReduceKernels {
  // op over x[0..n) (of the kernel's dtype) and `init`. Max/Min propagate NaN.
  float (*run)(const void* x, int64_t n, float init);
  // acc[k] = op(acc[k], x[k]) for k < n.
  void (*accumulate)(float* acc, const void* x, int64_t n);
};

namespace isa_baseline {
FloatReduceKernels float_reduce_kernels(Dtype dtype, FloatReduce op);
}
namespace isa_avx2 {
FloatReduceKernels float_reduce_kernels(Dtype dtype, FloatReduce op);
}
namespace isa_avx512 {
FloatReduceKernels float_reduce_kernels(Dtype dtype, FloatReduce op);
}

// The kernels of the active variant; dtype must be float32, float16 or bfloat16.
FloatReduceKernels float_reduce_kernels(Dtype dtype, FloatReduce op);

} // namespace mlx::core::cpu
