// The per-instruction-set conversion kernels behind half_convert.h (see half_convert_isa.cpp).
#pragma once

#include <cstdint>

#include "mlx/types/half_types.h"

namespace mlx::core::cpu {

struct HalfConvertKernels {
  void (*float16_to_float)(const float16_t*, float*, int64_t);
  void (*bfloat16_to_float)(const bfloat16_t*, float*, int64_t);
  void (*float_to_float16)(const float*, float16_t*, int64_t);
  void (*float_to_bfloat16)(const float*, bfloat16_t*, int64_t);
};

namespace isa_baseline {
HalfConvertKernels half_convert_kernels();
}
namespace isa_avx2 {
HalfConvertKernels half_convert_kernels();
}
namespace isa_avx512 {
HalfConvertKernels half_convert_kernels();
}

} // namespace mlx::core::cpu
