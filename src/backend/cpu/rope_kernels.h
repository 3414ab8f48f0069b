// Vectorized pieces of rope for float32/float16/bfloat16, one set per instruction-set variant
// (rope_isa.cpp); rope_kernels() gives the active one.
#pragma once

#include "mlx/dtype.h"

namespace mlx::core::cpu {

struct RopeKernels {
  // The rotation table of one position, 2 * half floats: cos(theta_i) then sin(theta_i),
  // theta_i = (position * scale) * inv_freq[i] for i < half.
  void (*angles)(float* table, float position, float scale, const float* inv_freq, int half);
  // Rotates `rows` rows of D features, row r read from in + r * in_stride, written to
  // out + r * out_stride (elements) and rotated by table + r * table_stride: the first 2 half
  // features rotate, the rest are copied. With `stream` the output bypasses the caches
  // (non-temporal stores).
  void (*rotate_rows)(const void* in, int64_t in_stride, void* out, int64_t out_stride, int rows,
                      const float* table, int table_stride, int half, int D, bool traditional,
                      bool stream);
};

namespace isa_baseline {
RopeKernels rope_kernels(Dtype dtype);
}
namespace isa_avx2 {
RopeKernels rope_kernels(Dtype dtype);
}
namespace isa_avx512 {
RopeKernels rope_kernels(Dtype dtype);
}

// The kernels of the active variant; dtype must be float32, float16 or bfloat16.
RopeKernels rope_kernels(Dtype dtype);

} // namespace mlx::core::cpu
