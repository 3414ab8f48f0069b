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
  // acc[k] = op(acc[k], x[r * row_stride + k]) for r < rows, k < n.
  void (*accumulate)(float* acc, const void* x, int64_t n, int64_t row_stride, int64_t rows);
  // Max/Min only (null otherwise): the index of the first extreme of x[0..n), n > 0, where
  // the first NaN, if any, is the extreme (numpy's argmax/argmin).
  int64_t (*arg)(const void* x, int64_t n);
  // Max/Min only: for rows r < rows in order and k < n, where x[r * row_stride + k] beats
  // best[k] (a NaN beats anything but a NaN), best[k] takes it and index[k] = first + r.
  void (*arg_update)(const void* x, int64_t row_stride, int64_t rows, uint32_t first, float* best,
                     uint32_t* index, int64_t n);
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
