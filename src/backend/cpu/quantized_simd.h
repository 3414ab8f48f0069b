// The vector operations the quantized kernels are written with, one definition per
// instruction set (AVX-512 with VNNI, AVX2). Included only by quantized_isa.cpp, which is
// compiled once per instruction set with MLXCPP_ISA_NAMESPACE naming it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "backend/cpu/quantized_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

using quant::ScaleType;

#if defined(__AVX2__)

// Byte shuffle and shift that put code t (of `lanes` consecutive codes starting at a byte
// boundary) in 32-bit lane t. Every 128-bit lane sees the same 16 source bytes.
template <int bits, int lanes>
struct DecodeTable {
  alignas(64) int8_t shuffle[lanes * 4];
  alignas(64) int32_t shift[lanes];
  constexpr DecodeTable() : shuffle{}, shift{} {
    for (int t = 0; t < lanes; ++t) {
      int byte = t * bits / 8;
      shuffle[4 * t] = static_cast<int8_t>(byte);
      shuffle[4 * t + 1] = static_cast<int8_t>(byte + 1 < 16 ? byte + 1 : -128);
      shuffle[4 * t + 2] = -128;
      shuffle[4 * t + 3] = -128;
      shift[t] = t * bits % 8;
    }
  }
};
template <int bits, int lanes>
inline constexpr DecodeTable<bits, lanes> kDecode{};

#endif

#if defined(__AVX512F__)

struct Vec {
  using I = __m512i;
  using F = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kStepBytes = 32;

  static I widen(const uint8_t* p) {
    return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static I widen_partial(const uint8_t* p, int64_t n) {
    return _mm512_cvtepu8_epi16(
        _mm256_maskz_loadu_epi8(static_cast<__mmask32>((1ull << n) - 1), p));
  }
  template <int S>
  static I srl16(I v) {
    return _mm512_srli_epi16(v, S);
  }
  static I and_(I a, I b) { return _mm512_and_si512(a, b); }
  static I set16(int v) { return _mm512_set1_epi16(static_cast<int16_t>(v)); }
  static I izero() { return _mm512_setzero_si512(); }
  static I loadx(const int16_t* x) { return _mm512_loadu_si512(x); }
  static I dot(I acc, I w, I x) { return _mm512_dpwssd_epi32(acc, w, x); }

  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F cvt(I v) { return _mm512_cvtepi32_ps(v); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static float reduce(F v) { return _mm512_reduce_add_ps(v); }

  // Lane l gets c[l / lanes_per_group].
  template <int lanes_per_group>
  static F lane_scales(const float* c) {
    alignas(64) static constexpr int32_t idx[16] = {
        0 / lanes_per_group,  1 / lanes_per_group,  2 / lanes_per_group,  3 / lanes_per_group,
        4 / lanes_per_group,  5 / lanes_per_group,  6 / lanes_per_group,  7 / lanes_per_group,
        8 / lanes_per_group,  9 / lanes_per_group,  10 / lanes_per_group, 11 / lanes_per_group,
        12 / lanes_per_group, 13 / lanes_per_group, 14 / lanes_per_group, 15 / lanes_per_group};
    return _mm512_permutexvar_ps(_mm512_load_si512(idx), _mm512_loadu_ps(c));
  }

  // Elements [i, i + n) of a scale array as floats, zeros past n.
  static F load_scales(const void* p, ScaleType t, int64_t i, int n) {
    auto m = static_cast<__mmask16>((1u << n) - 1);
    const auto* h = static_cast<const uint16_t*>(p) + i;
    switch (t) {
    case ScaleType::float16:
      return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, h));
    case ScaleType::bfloat16:
      return _mm512_castsi512_ps(
          _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, h)), 16));
    default:
      return _mm512_maskz_loadu_ps(m, static_cast<const float*>(p) + i);
    }
  }

  // 16 codes starting at p (2 * bits bytes) in 32-bit lanes.
  template <int bits>
  static I decode(const uint8_t* p) {
    auto src = _mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << (2 * bits)) - 1), p);
    I v = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(src),
                              _mm512_load_si512(kDecode<bits, 16>.shuffle));
    v = _mm512_srlv_epi32(v, _mm512_load_si512(kDecode<bits, 16>.shift));
    return _mm512_and_si512(v, _mm512_set1_epi32((1 << bits) - 1));
  }
  // 32 codes starting at p as 16-bit lanes, in order.
  template <int bits>
  static I decode_words(const uint8_t* p) {
    I packed = _mm512_packus_epi32(decode<bits>(p), decode<bits>(p + 2 * bits));
    return _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), packed);
  }

  // v rounded to the scale dtype (as a float).
  static F round_to(F v, ScaleType t) {
    if (t == ScaleType::float16) {
      return _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    if (t == ScaleType::bfloat16) {
      I bits = _mm512_castps_si512(v);
      I lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
      bits = _mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
      return _mm512_castsi512_ps(_mm512_and_si512(bits, _mm512_set1_epi32(~0xffff)));
    }
    return v;
  }
};

#elif defined(__AVX2__)

struct Vec {
  using I = __m256i;
  using F = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kStepBytes = 16;

  static I widen(const uint8_t* p) {
    return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static I widen_partial(const uint8_t* p, int64_t n) {
    alignas(16) uint8_t tmp[16] = {};
    std::memcpy(tmp, p, n);
    return widen(tmp);
  }
  template <int S>
  static I srl16(I v) {
    return _mm256_srli_epi16(v, S);
  }
  static I and_(I a, I b) { return _mm256_and_si256(a, b); }
  static I set16(int v) { return _mm256_set1_epi16(static_cast<int16_t>(v)); }
  static I izero() { return _mm256_setzero_si256(); }
  static I loadx(const int16_t* x) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
  }
  static I dot(I acc, I w, I x) { return _mm256_add_epi32(acc, _mm256_madd_epi16(w, x)); }

  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F cvt(I v) { return _mm256_cvtepi32_ps(v); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static float reduce(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }

  template <int lanes_per_group>
  static F lane_scales(const float* c) {
    static constexpr int32_t idx[8] = {
        0 / lanes_per_group, 1 / lanes_per_group, 2 / lanes_per_group, 3 / lanes_per_group,
        4 / lanes_per_group, 5 / lanes_per_group, 6 / lanes_per_group, 7 / lanes_per_group};
    auto iv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx));
    return _mm256_permutevar8x32_ps(_mm256_loadu_ps(c), iv);
  }

  static F load_scales(const void* p, ScaleType t, int64_t i, int n) {
    size_t item = t == ScaleType::float32 ? 4 : 2;
    alignas(32) uint8_t tmp[32] = {};
    std::memcpy(tmp, static_cast<const uint8_t*>(p) + i * item, n * item);
    auto half = _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
    switch (t) {
    case ScaleType::float16:
      return _mm256_cvtph_ps(half);
    case ScaleType::bfloat16:
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
    default:
      return _mm256_load_ps(reinterpret_cast<const float*>(tmp));
    }
  }

  // 8 codes starting at p (`bits` bytes; 16 bytes must be readable) in 32-bit lanes.
  template <int bits>
  static I decode(const uint8_t* p) {
    auto src = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    auto shuffle = _mm256_load_si256(reinterpret_cast<const __m256i*>(kDecode<bits, 8>.shuffle));
    auto shift = _mm256_load_si256(reinterpret_cast<const __m256i*>(kDecode<bits, 8>.shift));
    I v = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(src), shuffle);
    v = _mm256_srlv_epi32(v, shift);
    return _mm256_and_si256(v, _mm256_set1_epi32((1 << bits) - 1));
  }
  template <int bits>
  static I decode_words(const uint8_t* p) {
    I packed = _mm256_packus_epi32(decode<bits>(p), decode<bits>(p + bits));
    return _mm256_permute4x64_epi64(packed, 0xD8);
  }

  static F round_to(F v, ScaleType t) {
    if (t == ScaleType::float16) {
      return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    if (t == ScaleType::bfloat16) {
      I bits = _mm256_castps_si256(v);
      I lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
      bits = _mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff)));
      return _mm256_castsi256_ps(_mm256_and_si256(bits, _mm256_set1_epi32(~0xffff)));
    }
    return v;
  }
};

#endif

#if defined(__AVX2__)

// Code formats: how the step kernel (quantized_isa.cpp) reads a step of packed bytes into
// sub-vectors of codes and multiplies them with the activations.
//   Elem           activation type
//   kStepBytes     packed bytes per step, kStepCodes codes per step
//   kSubs          sub-vectors per step; sub k multiplies activations [k * kSubCodes, ...) of
//                  the step, stored as quant::store_in_layout puts them
//   kCodesPerLane  each 32-bit lane of a product sums codes [l * kCodesPerLane, ...) of the step
//   unpack(p, bytes, sub)  `bytes` packed bytes are readable at p (fewer than a step only at
//                  the end of a row; the rest reads as code 0)

// int16 activations, codes of 2, 4 or 8 bits: the step's bytes widened to 16-bit lanes, sub k
// holds code k of every byte; vpdpwssd (AVX-512) or vpmaddwd (AVX2).
template <int bits>
struct Int16Codes {
  using Elem = int16_t;
  static constexpr int kStepBytes = Vec::kStepBytes;
  static constexpr int kSubs = 8 / bits;
  static constexpr int kSubCodes = kStepBytes;
  static constexpr int kStepCodes = kStepBytes * kSubs;
  static constexpr int kCodesPerLane = 2 * kSubs;

  static void unpack(const uint8_t* p, int64_t bytes, typename Vec::I* sub) {
    auto wv = bytes >= kStepBytes ? Vec::widen(p) : Vec::widen_partial(p, bytes);
    const auto mask = Vec::set16((1 << bits) - 1);
    // Bytes are zero-extended: the top field needs no mask.
    [&]<int... k>(std::integer_sequence<int, k...>) {
      ((sub[k] = k + 1 == kSubs ? Vec::template srl16<bits * k>(wv)
                                : Vec::and_(Vec::template srl16<bits * k>(wv), mask)),
       ...);
    }
    (std::make_integer_sequence<int, kSubs>{});
  }
  static typename Vec::I dot(typename Vec::I acc, typename Vec::I codes, const Elem* x) {
    return Vec::dot(acc, codes, Vec::loadx(x));
  }
};

#endif

#if defined(__AVX512F__)

// int8 activations, codes of 2, 4 or 8 bits: codes stay bytes (sub k holds code k of every
// byte of a 64-byte step) and vpdpbusd multiplies them, unsigned, with the activations. Half
// the activation bytes and half the multiplies of Int16Codes.
template <int bits>
struct Int8Codes {
  using Elem = int8_t;
  static constexpr int kStepBytes = 64;
  static constexpr int kSubs = 8 / bits;
  static constexpr int kSubCodes = kStepBytes;
  static constexpr int kStepCodes = kStepBytes * kSubs;
  static constexpr int kCodesPerLane = 4 * kSubs;

  static void unpack(const uint8_t* p, int64_t bytes, __m512i* sub) {
    auto v = bytes >= kStepBytes ? _mm512_loadu_si512(p)
                                 : _mm512_maskz_loadu_epi8((__mmask64{1} << bytes) - 1, p);
    const auto mask = _mm512_set1_epi8(static_cast<char>((1 << bits) - 1));
    // 16-bit shifts pull bits of the next byte into the top field: every field is masked.
    [&]<int... k>(std::integer_sequence<int, k...>) {
      ((sub[k] = bits == 8 ? v : _mm512_and_si512(_mm512_srli_epi16(v, bits * k), mask)), ...);
    }
    (std::make_integer_sequence<int, kSubs>{});
  }
  static __m512i dot(__m512i acc, __m512i codes, const Elem* x) {
    return _mm512_dpbusd_epi32(acc, codes, _mm512_loadu_si512(x));
  }
};

// Byte permutation and bit offsets that decode 64 codes of 3, 5 or 6 bits (8 * bits bytes):
// vpermb gives 64-bit lane j the `bits` bytes of codes 8j..8j+7, vpmultishiftqb moves each
// code's bits to the bottom of its byte.
template <int bits>
struct StraddleTable {
  alignas(64) uint8_t gather[64];
  alignas(64) uint8_t shift[64];
  constexpr StraddleTable() : gather{}, shift{} {
    for (int j = 0; j < 8; ++j) {
      for (int i = 0; i < 8; ++i) {
        gather[8 * j + i] = static_cast<uint8_t>(j * bits + i);
        shift[8 * j + i] = static_cast<uint8_t>(i * bits);
      }
    }
  }
};
template <int bits>
inline constexpr StraddleTable<bits> kStraddle{};

// int8 activations, codes of 3, 5 or 6 bits decoded in order with AVX-512 VBMI, 64 a step.
template <int bits>
struct Int8Straddling {
  using Elem = int8_t;
  static constexpr int kStepBytes = 8 * bits;
  static constexpr int kSubs = 1;
  static constexpr int kSubCodes = 64;
  static constexpr int kStepCodes = 64;
  static constexpr int kCodesPerLane = 4;

  static void unpack(const uint8_t* p, int64_t bytes, __m512i* sub) {
    auto src =
        _mm512_maskz_loadu_epi8((__mmask64{1} << std::min<int64_t>(bytes, kStepBytes)) - 1, p);
    auto v = _mm512_permutexvar_epi8(_mm512_load_si512(kStraddle<bits>.gather), src);
    v = _mm512_multishift_epi64_epi8(_mm512_load_si512(kStraddle<bits>.shift), v);
    sub[0] = _mm512_and_si512(v, _mm512_set1_epi8(static_cast<char>((1 << bits) - 1)));
  }
  static __m512i dot(__m512i acc, __m512i codes, const Elem* x) {
    return _mm512_dpbusd_epi32(acc, codes, _mm512_loadu_si512(x));
  }
};

#endif

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
