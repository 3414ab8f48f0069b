// Vectorized row kernels of rms_norm and layer_norm for float32/float16/bfloat16, one set per
// instruction-set variant (norm_isa.cpp); norm_kernels() gives the active one.
#pragma once

#include <cstdint>

#include "mlx/dtype.h"

namespace mlx::core::cpu {

struct NormKernels {
  // out = round(x * rsqrt(mean(x^2) + eps)) * w for `rows` contiguous rows of n elements
  // (rounding to the storage type between the two products, as MLX; w holds the weights of
  // the storage type, widened). With `stream` the output bypasses the caches (non-temporal
  // stores).
  void (*rms_norm)(const void* x, const float* w, void* out, int64_t rows, int n, float eps,
                   bool stream);
  // out = round(round((x - mean) * rsqrt(var + eps)) * w) + b, likewise.
  void (*layer_norm)(const void* x, const float* w, const float* b, void* out, int64_t rows, int n,
                     float eps, bool stream);
};

namespace isa_baseline {
NormKernels norm_kernels(Dtype dtype);
}
namespace isa_avx2 {
NormKernels norm_kernels(Dtype dtype);
}
namespace isa_avx512 {
NormKernels norm_kernels(Dtype dtype);
}

// The kernels of the active variant; dtype must be float32, float16 or bfloat16.
NormKernels norm_kernels(Dtype dtype);

} // namespace mlx::core::cpu
