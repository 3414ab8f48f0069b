#include "backend/cpu/half_convert.h"

#include "backend/cpu/half_convert_kernels.h"

namespace mlx::core::cpu {

namespace {

HalfConvertKernels select_kernels() {
#if defined(__x86_64__) || defined(_M_X64)
  // The AVX-512 variant is compiled with all of these enabled, so it may use any of them.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
    return isa_avx512::half_convert_kernels();
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2")) {
    return isa_avx2::half_convert_kernels();
  }
#endif
  return isa_baseline::half_convert_kernels();
}

const HalfConvertKernels& kernels() {
  static const HalfConvertKernels selected = select_kernels();
  return selected;
}

} // namespace

void to_float(const float16_t* in, float* out, int64_t n) {
  kernels().float16_to_float(in, out, n);
}
void to_float(const bfloat16_t* in, float* out, int64_t n) {
  kernels().bfloat16_to_float(in, out, n);
}
void from_float(const float* in, float16_t* out, int64_t n) {
  kernels().float_to_float16(in, out, n);
}
void from_float(const float* in, bfloat16_t* out, int64_t n) {
  kernels().float_to_bfloat16(in, out, n);
}

} // namespace mlx::core::cpu
