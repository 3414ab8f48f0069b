// Vectorized row kernels of the fused softmax and logsumexp for float32/float16/bfloat16, one
// set per instruction-set variant (softmax_isa.cpp); softmax_kernels() gives the active one.
#pragma once

#include <cstdint>

#include "mlx/dtype.h"

namespace mlx::core::cpu {

struct SoftmaxKernels {
  // y = exp(x - max(x)) / sum(exp(x - max(x))) over n elements. `scratch` holds n floats;
  // y may alias x. With `stream` the output bypasses the caches (non-temporal stores), which
  // saves reading it in first when it is too large to stay cached anyway. `next`, if not
  // null, is the next row (of n elements) to come: it is prefetched while this one computes.
  void (*softmax)(const void* x, void* y, int64_t n, float* scratch, bool stream, const void* next);
  // log(sum(exp(x))) over n > 0 elements, computed around the max; +-inf max gives the max.
  float (*logsumexp)(const void* x, int64_t n, const void* next);
};

namespace isa_baseline {
SoftmaxKernels softmax_kernels(Dtype dtype);
}
namespace isa_avx2 {
SoftmaxKernels softmax_kernels(Dtype dtype);
}
namespace isa_avx512 {
SoftmaxKernels softmax_kernels(Dtype dtype);
}

// The kernels of the active variant; dtype must be float32, float16 or bfloat16.
SoftmaxKernels softmax_kernels(Dtype dtype);

} // namespace mlx::core::cpu
