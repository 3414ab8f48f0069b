// Half-type conversion kernels, compiled once per instruction set (see cmake/MlxcppIsa.cmake).
// float16 uses the F16C instructions where the build has them; bfloat16 is plain integer
// arithmetic on the bits, which the compiler vectorizes at every width.
#include <cstring>

#include "backend/cpu/half_convert_kernels.h"

#if defined(__F16C__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

void float16_to_float(const float16_t* in, float* out, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    auto h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm512_storeu_ps(out + i, _mm512_cvtph_ps(h));
  }
#elif defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    auto h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
#endif
  for (; i < n; ++i) {
    out[i] = static_cast<float>(in[i]);
  }
}

void float_to_float16(const float* in, float16_t* out, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    auto h = _mm512_cvtps_ph(_mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), h);
  }
#elif defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    auto h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
#endif
  for (; i < n; ++i) {
    out[i] = float16_t(in[i]);
  }
}

void bfloat16_to_float(const bfloat16_t* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits = static_cast<uint32_t>(in[i].bits_) << 16;
    std::memcpy(out + i, &bits, sizeof(bits));
  }
}

// Round to nearest even on the bits; NaN stays a quiet NaN (as bfloat16_t's constructor).
void float_to_bfloat16(const float* in, bfloat16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, in + i, sizeof(bits));
    uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
    uint32_t quiet_nan = (bits >> 16) | 0x0040u;
    bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
    out[i].bits_ = static_cast<uint16_t>(nan ? quiet_nan : rounded);
  }
}

} // namespace

HalfConvertKernels half_convert_kernels() {
  return {float16_to_float, bfloat16_to_float, float_to_float16, float_to_bfloat16};
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
