// SIMD pieces of the float16/bfloat16 products (gemm_half_isa.cpp, compiled per instruction
// set): conversions to and from float32, and the matrix-vector kernels that let decoding read
// a half-precision weight once, without converting it to a float32 copy first.
#pragma once

#include <cstdint>

#include "mlx/types/half_types.h"

#include "backend/cpu/gemm.h"

namespace mlx::core::cpu {

template <typename T>
struct HalfKernels {
  // dst[i] = float(src[i]) for i < n.
  void (*to_float)(const T* src, int64_t n, float* dst);
  // dst[i] = T(src[i]) (round to nearest even) for i < n.
  void (*from_float)(const float* src, int64_t n, T* dst);
  // y[r] = sum_k w[r * ld + k] * x[k] for r < rows.
  void (*dot_rows)(const T* w, int64_t ld, int64_t rows, int64_t k, const float* x, float* y);
  // y[j] += sum_r x[r] * w[r * ld + j] for j < n, over r < rows.
  void (*axpy_rows)(const T* w, int64_t ld, int64_t rows, int64_t n, const float* x, float* y);
  // A GEMM on the type itself (as gemm_serial), where the instruction set has one; else null
  // and products go through float32 copies and sgemm.
  void (*gemm)(const GemmLayout& layout, float alpha, float beta, const GemmJob<T>& job,
               const HalfKernels& kernels);
};

template <typename T>
using NativeGemm = decltype(HalfKernels<T>::gemm);

// The kernels of the best instruction set this CPU supports.
template <typename T>
const HalfKernels<T>& half_kernels();

// Each instruction-set variant of gemm_half_isa.cpp defines these in its namespace.
namespace isa_baseline {
HalfKernels<float16_t> float16_kernels();
HalfKernels<bfloat16_t> bfloat16_kernels();
NativeGemm<bfloat16_t> native_bfloat16_gemm(); // gemm_bf16_isa.cpp
} // namespace isa_baseline
namespace isa_avx2 {
HalfKernels<float16_t> float16_kernels();
HalfKernels<bfloat16_t> bfloat16_kernels();
NativeGemm<bfloat16_t> native_bfloat16_gemm(); // gemm_bf16_isa.cpp
} // namespace isa_avx2
namespace isa_avx512 {
HalfKernels<float16_t> float16_kernels();
HalfKernels<bfloat16_t> bfloat16_kernels();
NativeGemm<bfloat16_t> native_bfloat16_gemm(); // gemm_bf16_isa.cpp
} // namespace isa_avx512

} // namespace mlx::core::cpu
