// float16/bfloat16 products with float32 accumulation: panels of the operands are converted to
// float32 and multiplied by sgemm, then the float32 result is rounded once into C.
#pragma once

#include "backend/cpu/gemm.h"

namespace mlx::core::cpu {

template <typename T>
void gemm_half_serial(const GemmLayout& layout, float alpha, float beta, const GemmJob<T>& job);

} // namespace mlx::core::cpu
