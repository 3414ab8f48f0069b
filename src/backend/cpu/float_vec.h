// A float vector for the *_isa.cpp kernels: as wide as the instruction set the file is
// compiled for (16 lanes with AVX-512, 8 with AVX2, 4 portable lanes otherwise), with loads and
// stores that convert float16/bfloat16 to and from float. Include only from *_isa.cpp files,
// inside nothing: it opens namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE itself.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "mlx/types/half_types.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

#if defined(__AVX512F__)

struct VecF {
  static constexpr int width = 16;
  __m512 v;
};

inline VecF broadcast(float x) {
  return {_mm512_set1_ps(x)};
}
inline VecF load(const float* p) {
  return {_mm512_loadu_ps(p)};
}
inline VecF load(const float16_t* p) {
  return {_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)))};
}
inline VecF load(const bfloat16_t* p) {
  __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return {_mm512_castsi512_ps(_mm512_slli_epi32(wide, 16))};
}
inline void store(float* p, VecF x) {
  _mm512_storeu_ps(p, x.v);
}
inline void store(float16_t* p, VecF x) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                      _mm512_cvtps_ph(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
// Round to nearest even (vcvtneps2bf16), as bfloat16_t's constructor does, except that
// subnormal floats flush to zero.
inline void store(bfloat16_t* p, VecF x) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                      reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x.v)));
}
inline VecF operator+(VecF a, VecF b) {
  return {_mm512_add_ps(a.v, b.v)};
}
inline VecF operator-(VecF a, VecF b) {
  return {_mm512_sub_ps(a.v, b.v)};
}
inline VecF operator*(VecF a, VecF b) {
  return {_mm512_mul_ps(a.v, b.v)};
}
inline VecF fma(VecF a, VecF b, VecF c) {
  return {_mm512_fmadd_ps(a.v, b.v, c.v)};
}
// max/min that return b when either is NaN (the hardware rule).
inline VecF max_fast(VecF a, VecF b) {
  return {_mm512_max_ps(a.v, b.v)};
}
inline VecF min_fast(VecF a, VecF b) {
  return {_mm512_min_ps(a.v, b.v)};
}
// a where a is NaN, else b.
inline VecF keep_nan(VecF a, VecF b) {
  return {_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q), b.v, a.v)};
}
inline VecF round_nearest(VecF a) {
  return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}
// `then` where a < limit, else `otherwise`.
inline VecF select_less(VecF a, VecF limit, VecF then, VecF otherwise) {
  return {_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, limit.v, _CMP_LT_OQ), otherwise.v, then.v)};
}
inline bool any_nan(VecF a) {
  return _mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q) != 0;
}
// The first lane equal to `value`, or NaN, or -1 if none.
inline int first_equal(VecF a, VecF value) {
  __mmask16 m = _mm512_cmp_ps_mask(a.v, value.v, _CMP_EQ_OQ);
  return m ? __builtin_ctz(m) : -1;
}
inline int first_nan(VecF a) {
  __mmask16 m = _mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q);
  return m ? __builtin_ctz(m) : -1;
}
// p * 2^n for integral n; underflows to subnormals and 0 as IEEE arithmetic does.
inline VecF scale_pow2(VecF p, VecF n) {
  return {_mm512_scalef_ps(p.v, n.v)};
}
// Non-temporal stores of a vector to an address aligned to its size in bytes.
inline void stream(float* p, VecF x) {
  _mm512_stream_ps(p, x.v);
}
inline void stream(float16_t* p, VecF x) {
  _mm256_stream_si256(reinterpret_cast<__m256i*>(p),
                      _mm512_cvtps_ph(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
inline void stream(bfloat16_t* p, VecF x) {
  alignas(32) bfloat16_t buffer[16];
  store(buffer, x);
  _mm256_stream_si256(reinterpret_cast<__m256i*>(p),
                      _mm256_load_si256(reinterpret_cast<const __m256i*>(buffer)));
}
inline void stream_fence() {
  _mm_sfence();
}
inline float reduce_add(VecF a) {
  return _mm512_reduce_add_ps(a.v);
}
inline float reduce_max(VecF a) {
  return _mm512_reduce_max_ps(a.v);
}
inline float reduce_min(VecF a) {
  return _mm512_reduce_min_ps(a.v);
}
inline float reduce_mul(VecF a) {
  return _mm512_reduce_mul_ps(a.v);
}

#elif defined(__AVX2__)

struct VecF {
  static constexpr int width = 8;
  __m256 v;
};

inline VecF broadcast(float x) {
  return {_mm256_set1_ps(x)};
}
inline VecF load(const float* p) {
  return {_mm256_loadu_ps(p)};
}
inline VecF load(const float16_t* p) {
  return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))};
}
inline VecF load(const bfloat16_t* p) {
  __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return {_mm256_castsi256_ps(_mm256_slli_epi32(wide, 16))};
}
inline void store(float* p, VecF x) {
  _mm256_storeu_ps(p, x.v);
}
inline void store(float16_t* p, VecF x) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                   _mm256_cvtps_ph(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
inline void store(bfloat16_t* p, VecF x) {
  __m256i bits = _mm256_castps_si256(x.v);
  __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  __m256i rounded = _mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff)));
  __m256i quiet_nan = _mm256_or_si256(bits, _mm256_set1_epi32(0x400000));
  __m256 nan = _mm256_cmp_ps(x.v, x.v, _CMP_UNORD_Q);
  rounded = _mm256_castps_si256(
      _mm256_blendv_ps(_mm256_castsi256_ps(rounded), _mm256_castsi256_ps(quiet_nan), nan));
  __m256i high = _mm256_srli_epi32(rounded, 16);
  __m128i packed =
      _mm_packus_epi32(_mm256_castsi256_si128(high), _mm256_extracti128_si256(high, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), packed);
}
inline VecF operator+(VecF a, VecF b) {
  return {_mm256_add_ps(a.v, b.v)};
}
inline VecF operator-(VecF a, VecF b) {
  return {_mm256_sub_ps(a.v, b.v)};
}
inline VecF operator*(VecF a, VecF b) {
  return {_mm256_mul_ps(a.v, b.v)};
}
inline VecF fma(VecF a, VecF b, VecF c) {
  return {_mm256_fmadd_ps(a.v, b.v, c.v)};
}
inline VecF max_fast(VecF a, VecF b) {
  return {_mm256_max_ps(a.v, b.v)};
}
inline VecF min_fast(VecF a, VecF b) {
  return {_mm256_min_ps(a.v, b.v)};
}
inline VecF keep_nan(VecF a, VecF b) {
  return {_mm256_blendv_ps(b.v, a.v, _mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q))};
}
inline VecF round_nearest(VecF a) {
  return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}
inline VecF exp2_int(VecF n) {
  __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
  return {_mm256_castsi256_ps(_mm256_slli_epi32(e, 23))};
}
inline VecF select_less(VecF a, VecF limit, VecF then, VecF otherwise) {
  return {_mm256_blendv_ps(otherwise.v, then.v, _mm256_cmp_ps(a.v, limit.v, _CMP_LT_OQ))};
}
inline bool any_nan(VecF a) {
  return _mm256_movemask_ps(_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q)) != 0;
}
inline int first_equal(VecF a, VecF value) {
  int m = _mm256_movemask_ps(_mm256_cmp_ps(a.v, value.v, _CMP_EQ_OQ));
  return m ? __builtin_ctz(m) : -1;
}
inline int first_nan(VecF a) {
  int m = _mm256_movemask_ps(_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q));
  return m ? __builtin_ctz(m) : -1;
}
inline void stream(float* p, VecF x) {
  _mm256_stream_ps(p, x.v);
}
inline void stream(float16_t* p, VecF x) {
  _mm_stream_si128(reinterpret_cast<__m128i*>(p),
                   _mm256_cvtps_ph(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
inline void stream(bfloat16_t* p, VecF x) {
  alignas(16) bfloat16_t buffer[8];
  store(buffer, x);
  _mm_stream_si128(reinterpret_cast<__m128i*>(p),
                   _mm_load_si128(reinterpret_cast<const __m128i*>(buffer)));
}
inline void stream_fence() {
  _mm_sfence();
}
namespace detail {
inline __m128 fold(__m256 a, __m128 (*op)(__m128, __m128)) {
  __m128 x = op(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  x = op(x, _mm_movehl_ps(x, x));
  return op(x, _mm_movehdup_ps(x));
}
} // namespace detail
inline float reduce_add(VecF a) {
  return _mm_cvtss_f32(detail::fold(a.v, [](__m128 x, __m128 y) { return _mm_add_ps(x, y); }));
}
inline float reduce_max(VecF a) {
  return _mm_cvtss_f32(detail::fold(a.v, [](__m128 x, __m128 y) { return _mm_max_ps(x, y); }));
}
inline float reduce_min(VecF a) {
  return _mm_cvtss_f32(detail::fold(a.v, [](__m128 x, __m128 y) { return _mm_min_ps(x, y); }));
}
inline float reduce_mul(VecF a) {
  return _mm_cvtss_f32(detail::fold(a.v, [](__m128 x, __m128 y) { return _mm_mul_ps(x, y); }));
}

#else

// Portable lanes: plain loops the compiler may vectorize for the baseline target.
struct VecF {
  static constexpr int width = 4;
  float v[4];
};

template <typename F>
inline VecF map(VecF a, VecF b, F f) {
  VecF r;
  for (int i = 0; i < VecF::width; ++i) {
    r.v[i] = f(a.v[i], b.v[i]);
  }
  return r;
}
inline VecF broadcast(float x) {
  return {{x, x, x, x}};
}
template <typename T>
inline VecF load(const T* p) {
  VecF r;
  for (int i = 0; i < VecF::width; ++i) {
    r.v[i] = static_cast<float>(p[i]);
  }
  return r;
}
template <typename T>
inline void store(T* p, VecF x) {
  for (int i = 0; i < VecF::width; ++i) {
    p[i] = static_cast<T>(x.v[i]);
  }
}
inline VecF operator+(VecF a, VecF b) {
  return map(a, b, [](float x, float y) { return x + y; });
}
inline VecF operator-(VecF a, VecF b) {
  return map(a, b, [](float x, float y) { return x - y; });
}
inline VecF operator*(VecF a, VecF b) {
  return map(a, b, [](float x, float y) { return x * y; });
}
inline VecF fma(VecF a, VecF b, VecF c) {
  return a * b + c;
}
inline VecF max_fast(VecF a, VecF b) {
  return map(a, b, [](float x, float y) { return x > y ? x : y; });
}
inline VecF min_fast(VecF a, VecF b) {
  return map(a, b, [](float x, float y) { return x < y ? x : y; });
}
inline VecF keep_nan(VecF a, VecF b) {
  return map(a, b, [](float x, float y) { return x != x ? x : y; });
}
inline VecF round_nearest(VecF a) {
  VecF r;
  for (int i = 0; i < VecF::width; ++i) {
    r.v[i] = std::nearbyint(a.v[i]);
  }
  return r;
}
inline VecF exp2_int(VecF n) {
  VecF r;
  for (int i = 0; i < VecF::width; ++i) {
    uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n.v[i]) + 127) << 23;
    std::memcpy(&r.v[i], &bits, sizeof(float));
  }
  return r;
}
inline VecF select_less(VecF a, VecF limit, VecF then, VecF otherwise) {
  VecF r;
  for (int i = 0; i < VecF::width; ++i) {
    r.v[i] = a.v[i] < limit.v[i] ? then.v[i] : otherwise.v[i];
  }
  return r;
}
inline bool any_nan(VecF a) {
  bool nan = false;
  for (float x : a.v) {
    nan |= x != x;
  }
  return nan;
}
inline int first_equal(VecF a, VecF value) {
  for (int i = 0; i < VecF::width; ++i) {
    if (a.v[i] == value.v[i]) {
      return i;
    }
  }
  return -1;
}
inline int first_nan(VecF a) {
  for (int i = 0; i < VecF::width; ++i) {
    if (a.v[i] != a.v[i]) {
      return i;
    }
  }
  return -1;
}
template <typename T>
inline void stream(T* p, VecF x) {
  store(p, x);
}
inline void stream_fence() {}
inline float reduce_add(VecF a) {
  return (a.v[0] + a.v[1]) + (a.v[2] + a.v[3]);
}
inline float reduce_mul(VecF a) {
  return (a.v[0] * a.v[1]) * (a.v[2] * a.v[3]);
}
inline float reduce_max(VecF a) {
  return std::fmax(std::fmax(a.v[0], a.v[1]), std::fmax(a.v[2], a.v[3]));
}
inline float reduce_min(VecF a) {
  return std::fmin(std::fmin(a.v[0], a.v[1]), std::fmin(a.v[2], a.v[3]));
}

#endif

// Loads the first n (< width) elements, padding with `fill`; stores the first n lanes.
template <typename T>
inline VecF load_partial(const T* p, int n, float fill) {
  T buffer[VecF::width];
  for (int i = 0; i < VecF::width; ++i) {
    buffer[i] = i < n ? p[i] : T(fill);
  }
  return load(buffer);
}
template <typename T>
inline void store_partial(T* p, VecF x, int n) {
  T buffer[VecF::width];
  store(buffer, x);
  std::memcpy(p, buffer, n * sizeof(T));
}

#if !defined(__AVX512F__)
// p * 2^n for integral n in [-126, 127].
inline VecF scale_pow2(VecF p, VecF n) {
  return p * exp2_int(n);
}
#endif

// Asks for the cache line holding p ahead of use (a hint: never faults).
inline void prefetch(const void* p) {
  __builtin_prefetch(p, 0, 3);
}

// Whether p is aligned for stream() of T: the vector's width in T elements.
template <typename T>
inline bool stream_aligned(const T* p) {
  return reinterpret_cast<uintptr_t>(p) % (VecF::width * sizeof(T)) == 0;
}

// max/min that propagate NaN from either side.
inline VecF max_nan(VecF acc, VecF x) {
  return keep_nan(x, max_fast(x, acc));
}
inline VecF min_nan(VecF acc, VecF x) {
  return keep_nan(x, min_fast(x, acc));
}

// e^(x - shift) where x <= shift (or NaN), as in softmax after finding the maximum. -inf
// gives exactly 0 and NaN stays NaN.
//  - Precision::full is within about 1 ulp of float: d = x - shift = n ln2 + r with
//    |r| <= ln2/2 (ln2 split in two), e^r by a degree-6 minimax polynomial, times 2^n.
//  - Precision::half is within about 4e-6, plenty for float16 and bfloat16 results, for fewer
//    instructions: a degree-4 polynomial; with AVX-512, t = (x - shift) log2(e) in one fma,
//    2^frac(t) by the polynomial and 2^floor(t) by vscalefps.
// With AVX-512 results go through subnormals; otherwise those below float's smallest normal
// flush to 0.
enum class Precision { full, half };

template <Precision precision>
inline VecF exp_shifted(VecF x, VecF shift) {
  constexpr float log2e = 1.44269504088896341f;
#if defined(__AVX512F__)
  if constexpr (precision == Precision::half) {
    // x log2e - shift log2e; below -151 the result rounds to 0 anyway. max() returns its
    // second operand when either is NaN, so NaN flows through.
    VecF t = fma(x, broadcast(log2e), broadcast(0.0f) - shift * broadcast(log2e));
    t = max_fast(broadcast(-151.0f), t);
    VecF f = {_mm512_reduce_ps(t.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)}; // t - floor(t)
    VecF p = broadcast(1.3426683843135834e-2f);
    p = fma(p, f, broadcast(5.2242472767829895e-2f));
    p = fma(p, f, broadcast(2.41280198097229e-1f));
    p = fma(p, f, broadcast(6.930448412895203e-1f));
    p = fma(p, f, broadcast(1.0f));
    return scale_pow2(p, t); // p 2^floor(t)
  }
  constexpr float lo = -104.0f; // e^-104 is below half the smallest subnormal: rounds to 0
#else
  constexpr float lo = -87.33654f;
#endif
  // max() returns its second operand when either is NaN, so NaN flows through.
  VecF d = x - shift;
  VecF xc = max_fast(broadcast(lo), d);
  VecF n = round_nearest(xc * broadcast(log2e));
  VecF p;
  if constexpr (precision == Precision::full) {
    VecF r = fma(n, broadcast(-0.693359375f), xc);
    r = fma(n, broadcast(2.12194440e-4f), r);
    p = broadcast(1.3836845755577087e-3f);
    p = fma(p, r, broadcast(8.374815806746483e-3f));
    p = fma(p, r, broadcast(4.166822507977486e-2f));
    p = fma(p, r, broadcast(1.6666419804096222e-1f));
    p = fma(p, r, broadcast(4.9999991059303284e-1f));
    p = fma(p, r, broadcast(1.0f));
    p = fma(p, r, broadcast(1.0f));
  } else {
    VecF r = fma(n, broadcast(-0.6931471805599453f), xc);
    p = broadcast(4.2380526661872864e-2f);
    p = fma(p, r, broadcast(1.6808630526065826e-1f));
    p = fma(p, r, broadcast(4.999596178531647e-1f));
    p = fma(p, r, broadcast(9.999515414237976e-1f));
    p = fma(p, r, broadcast(1.0f));
  }
  VecF result = scale_pow2(p, n);
#if !defined(__AVX512F__)
  result = select_less(d, broadcast(lo), broadcast(0.0f), result);
#endif
  return result;
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
