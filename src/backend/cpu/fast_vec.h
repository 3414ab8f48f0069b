// Vector helpers the fused model kernels (norm_isa.cpp, rope_isa.cpp, attention_isa.cpp) add
// to float_vec.h's VecF. Include only from *_isa.cpp files, after float_vec.h.
#pragma once

#include <cmath>
#include <type_traits>

#include "backend/cpu/float_vec.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

// x rounded to T's precision (and back to float), exactly as store() to T rounds it.
template <typename T>
inline VecF round_to(VecF x) {
  if constexpr (std::is_same_v<T, float>) {
    return x;
#if defined(__AVX512F__)
  } else if constexpr (std::is_same_v<T, bfloat16_t>) {
    __m256i bits = reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x.v));
    return {_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16))};
  } else if constexpr (std::is_same_v<T, float16_t>) {
    return {_mm512_cvtph_ps(_mm512_cvtps_ph(x.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC))};
#endif
  } else {
    T buffer[VecF::width];
    store(buffer, x);
    return load(buffer);
  }
}

// Lanes 2i and 2i + 1 exchanged.
inline VecF swap_pairs(VecF x) {
#if defined(__AVX512F__)
  return {_mm512_permute_ps(x.v, 0xB1)};
#elif defined(__AVX2__)
  return {_mm256_permute_ps(x.v, 0xB1)};
#else
  return {{x.v[1], x.v[0], x.v[3], x.v[2]}};
#endif
}

// Lanes (p[0], p[0], p[1], p[1], ...): width / 2 floats, each twice.
inline VecF load_doubled(const float* p) {
#if defined(__AVX512F__)
  __m512i index = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  return {_mm512_permutexvar_ps(index, _mm512_castps256_ps512(_mm256_loadu_ps(p)))};
#elif defined(__AVX2__)
  __m256i index = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
  return {_mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), index)};
#else
  return {{p[0], p[0], p[1], p[1]}};
#endif
}

// a * b - c in even lanes, a * b + c in odd ones.
inline VecF fmaddsub(VecF a, VecF b, VecF c) {
#if defined(__AVX512F__)
  return {_mm512_fmaddsub_ps(a.v, b.v, c.v)};
#elif defined(__AVX2__)
  return {_mm256_fmaddsub_ps(a.v, b.v, c.v)};
#else
  VecF r = a * b;
  for (int i = 0; i < VecF::width; ++i) {
    r.v[i] += i % 2 == 0 ? -c.v[i] : c.v[i];
  }
  return r;
#endif
}

// sin(x) and cos(x) of every lane, within about 2 ulp of float's std::sin/std::cos up to
// |x| = 2^20 (beyond, lanes go through std::sin/std::cos): x = j pi/2 + r, |r| <= pi/4, with
// pi/2 in three parts so that j pi/2 is subtracted exactly; then minimax polynomials on r and
// the quadrant j mod 4 picks and signs them.
inline void sincos(VecF x, VecF& s, VecF& c) {
#if defined(__AVX512F__) || defined(__AVX2__)
  constexpr float limit = 1048576.0f;
  if (reduce_max(max_fast(x, broadcast(0.0f) - x)) > limit || any_nan(x)) {
    alignas(64) float lanes[VecF::width], sl[VecF::width], cl[VecF::width];
    store(lanes, x);
    for (int i = 0; i < VecF::width; ++i) {
      sl[i] = std::sin(lanes[i]);
      cl[i] = std::cos(lanes[i]);
    }
    s = load(sl);
    c = load(cl);
    return;
  }
  VecF j = round_nearest(x * broadcast(0.636619772367581343f));
  VecF r = fma(j, broadcast(-1.57079637050628662f), x);
  r = fma(j, broadcast(4.371138828673793e-8f), r);
  r = fma(j, broadcast(1.7151245100058819e-15f), r);
  VecF r2 = r * r;
  VecF sp = fma(fma(broadcast(-1.9515295891e-4f), r2, broadcast(8.3321608736e-3f)), r2,
                broadcast(-1.6666654611e-1f));
  VecF sr = fma(sp * r2, r, r);
  VecF cp = fma(fma(broadcast(2.443315711809948e-5f), r2, broadcast(-1.388731625493765e-3f)), r2,
                broadcast(4.166664568298827e-2f));
  VecF cr = fma(cp * r2, r2, fma(r2, broadcast(-0.5f), broadcast(1.0f)));
#if defined(__AVX512F__)
  __m512i q = _mm512_cvtps_epi32(j.v);
  __mmask16 odd = _mm512_test_epi32_mask(q, _mm512_set1_epi32(1));
  __mmask16 sin_neg = _mm512_test_epi32_mask(q, _mm512_set1_epi32(2));
  __mmask16 cos_neg =
      _mm512_test_epi32_mask(_mm512_add_epi32(q, _mm512_set1_epi32(1)), _mm512_set1_epi32(2));
  __m512 sv = _mm512_mask_blend_ps(odd, sr.v, cr.v);
  __m512 cv = _mm512_mask_blend_ps(odd, cr.v, sr.v);
  __m512 sign = _mm512_set1_ps(-0.0f);
  s = {_mm512_mask_xor_ps(sv, sin_neg, sv, sign)};
  c = {_mm512_mask_xor_ps(cv, cos_neg, cv, sign)};
#else
  __m256i q = _mm256_cvtps_epi32(j.v);
  __m256 odd = _mm256_castsi256_ps(
      _mm256_cmpeq_epi32(_mm256_and_si256(q, _mm256_set1_epi32(1)), _mm256_set1_epi32(1)));
  // Bit 1 of q (sin's sign) and of q + 1 (cos's sign) moved to the float sign bit.
  __m256 sin_sign = _mm256_castsi256_ps(_mm256_slli_epi32(q, 30));
  __m256 cos_sign =
      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(q, _mm256_set1_epi32(1)), 30));
  __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 sv = _mm256_blendv_ps(sr.v, cr.v, odd);
  __m256 cv = _mm256_blendv_ps(cr.v, sr.v, odd);
  s = {_mm256_xor_ps(sv, _mm256_and_ps(sin_sign, sign))};
  c = {_mm256_xor_ps(cv, _mm256_and_ps(cos_sign, sign))};
#endif
#else
  for (int i = 0; i < VecF::width; ++i) {
    s.v[i] = std::sin(x.v[i]);
    c.v[i] = std::cos(x.v[i]);
  }
#endif
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
