// Per-instruction-set kernels of gemm_half_kernels.h. Each is written once over a small vector
// abstraction: 16 float lanes with AVX-512, 8 with AVX2 (F16C converts float16), one scalar
// lane in the baseline build. Tails shorter than a vector run as plain scalar loops.
#include "backend/cpu/gemm_half_kernels.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

#if defined(__AVX512F__)
struct Wide {
  static constexpr int width = 16;
  using V = __m512;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V load(const float16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static V load(const bfloat16_t* p) {
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
  }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void store(float16_t* p, V v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                        _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  // Round to nearest even, keeping subnormals and quieting NaN, as bfloat16_t's constructor.
  static void store(bfloat16_t* p, V v) {
    __m512i bits = _mm512_castps_si512(v);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    rounded = _mm512_mask_or_epi32(rounded, nan, bits, _mm512_set1_epi32(0x400000));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                        _mm512_cvtepi32_epi16(_mm512_srli_epi32(rounded, 16)));
  }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(V v) { return _mm512_reduce_add_ps(v); }
};
#elif defined(__AVX2__)
struct Wide {
  static constexpr int width = 8;
  using V = __m256;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load(const float16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static V load(const bfloat16_t* p) {
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void store(float16_t* p, V v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static void store(bfloat16_t* p, V v) {
    __m256i bits = _mm256_castps_si256(v);
    __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    __m256i rounded = _mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff)));
    __m256i quiet = _mm256_or_si256(bits, _mm256_set1_epi32(0x400000));
    __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    rounded = _mm256_castps_si256(
        _mm256_blendv_ps(_mm256_castsi256_ps(rounded), _mm256_castsi256_ps(quiet), nan));
    __m256i high = _mm256_srli_epi32(rounded, 16);
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(p),
        _mm_packus_epi32(_mm256_castsi256_si128(high), _mm256_extracti128_si256(high, 1)));
  }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(V v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
  }
};
#else
// The baseline: one scalar lane.
struct Wide {
  static constexpr int width = 1;
  using V = float;
  static V zero() { return 0.0f; }
  static V set1(float x) { return x; }
  template <typename T>
  static V load(const T* p) {
    return static_cast<float>(*p);
  }
  template <typename T>
  static void store(T* p, V v) {
    *p = static_cast<T>(v);
  }
  static V fma(V a, V b, V c) { return a * b + c; }
  static float sum(V v) { return v; }
};
#endif

template <typename T>
void to_float(const T* src, int64_t n, float* dst) {
  int64_t i = 0;
  for (; i + Wide::width <= n; i += Wide::width) {
    Wide::store(dst + i, Wide::load(src + i));
  }
  for (; i < n; ++i) {
    dst[i] = static_cast<float>(src[i]);
  }
}

template <typename T>
void from_float(const float* src, int64_t n, T* dst) {
  int64_t i = 0;
  for (; i + Wide::width <= n; i += Wide::width) {
    Wide::store(dst + i, Wide::load(src + i));
  }
  for (; i < n; ++i) {
    dst[i] = static_cast<T>(src[i]);
  }
}

template <typename T>
float dot(const T* w, const float* x, int64_t k) {
  constexpr int W = Wide::width;
  typename Wide::V a0 = Wide::zero(), a1 = Wide::zero(), a2 = Wide::zero(), a3 = Wide::zero();
  int64_t i = 0;
  for (; i + 4 * W <= k; i += 4 * W) {
    a0 = Wide::fma(Wide::load(w + i), Wide::load(x + i), a0);
    a1 = Wide::fma(Wide::load(w + i + W), Wide::load(x + i + W), a1);
    a2 = Wide::fma(Wide::load(w + i + 2 * W), Wide::load(x + i + 2 * W), a2);
    a3 = Wide::fma(Wide::load(w + i + 3 * W), Wide::load(x + i + 3 * W), a3);
  }
  for (; i + W <= k; i += W) {
    a0 = Wide::fma(Wide::load(w + i), Wide::load(x + i), a0);
  }
  float total = Wide::sum(a0) + Wide::sum(a1) + Wide::sum(a2) + Wide::sum(a3);
  for (; i < k; ++i) {
    total += static_cast<float>(w[i]) * x[i];
  }
  return total;
}

template <typename T>
void dot_rows(const T* w, int64_t ld, int64_t rows, int64_t k, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    y[r] = dot(w + r * ld, x, k);
  }
}

// Four rows per pass over y, so y is loaded and stored a quarter as often.
template <typename T>
void axpy_rows(const T* w, int64_t ld, int64_t rows, int64_t n, const float* x, float* y) {
  constexpr int W = Wide::width;
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const T* w0 = w + r * ld;
    const T *w1 = w0 + ld, *w2 = w1 + ld, *w3 = w2 + ld;
    auto x0 = Wide::set1(x[r]), x1 = Wide::set1(x[r + 1]);
    auto x2 = Wide::set1(x[r + 2]), x3 = Wide::set1(x[r + 3]);
    int64_t j = 0;
    for (; j + W <= n; j += W) {
      auto acc = Wide::load(y + j);
      acc = Wide::fma(Wide::load(w0 + j), x0, acc);
      acc = Wide::fma(Wide::load(w1 + j), x1, acc);
      acc = Wide::fma(Wide::load(w2 + j), x2, acc);
      acc = Wide::fma(Wide::load(w3 + j), x3, acc);
      Wide::store(y + j, acc);
    }
    for (; j < n; ++j) {
      y[j] += static_cast<float>(w0[j]) * x[r] + static_cast<float>(w1[j]) * x[r + 1] +
              static_cast<float>(w2[j]) * x[r + 2] + static_cast<float>(w3[j]) * x[r + 3];
    }
  }
  for (; r < rows; ++r) {
    const T* wr = w + r * ld;
    auto xr = Wide::set1(x[r]);
    int64_t j = 0;
    for (; j + W <= n; j += W) {
      Wide::store(y + j, Wide::fma(Wide::load(wr + j), xr, Wide::load(y + j)));
    }
    for (; j < n; ++j) {
      y[j] += static_cast<float>(wr[j]) * x[r];
    }
  }
}

} // namespace

HalfKernels<float16_t> float16_kernels() {
  return {to_float<float16_t>, from_float<float16_t>, dot_rows<float16_t>, axpy_rows<float16_t>,
          nullptr};
}

HalfKernels<bfloat16_t> bfloat16_kernels() {
  return {to_float<bfloat16_t>, from_float<bfloat16_t>, dot_rows<bfloat16_t>, axpy_rows<bfloat16_t>,
          native_bfloat16_gemm()};
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
