// Bulk conversions between the half types and float, vectorized for the CPU at hand (F16C and
// AVX-512 where present, chosen at run time). Element-wise kernels on float16/bfloat16 convert a
// block to float, compute in float, and convert the block back; converting one element at a time
// would cost more than the memory traffic. Rounding is to nearest even, as the scalar types'.
#pragma once

#include <cstdint>

#include "mlx/types/half_types.h"

namespace mlx::core::cpu {

void to_float(const float16_t* in, float* out, int64_t n);
void to_float(const bfloat16_t* in, float* out, int64_t n);
void from_float(const float* in, float16_t* out, int64_t n);
void from_float(const float* in, bfloat16_t* out, int64_t n);

} // namespace mlx::core::cpu
