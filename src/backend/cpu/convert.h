// Element conversion between any two dtypes, with MLX's semantics: complex to real keeps the
// real part, float to integer truncates, anything to bool tests for non-zero.
//
// C++ leaves float-to-integer conversion of NaN, infinities and out-of-range values undefined;
// MLX and numpy inherit whatever the x86-64 instructions (cvttss2si/cvttsd2si) give. We define
// exactly that, portably:
//  - to int8, int16, int32, uint8, uint16: truncate to int32 (out of range or NaN gives
//    INT32_MIN), then keep the low bits;
//  - to int64: truncate to int64 (out of range or NaN gives INT64_MIN);
//  - to uint32: truncate to int64 as above, then keep the low 32 bits;
//  - to uint64: values >= 2^63 are shifted down by 2^63 before the int64 truncation and the
//    top bit restored after, so NaN and -inf give 2^63, +inf and values >= 2^64 give 0.
// Conversions to float16/bfloat16 round to nearest even once, from the exact value: a double
// (or a 64-bit integer) is first rounded to float "to odd", which keeps a later second rounding
// exact.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "backend/cpu/half_convert.h"
#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

namespace detail {

// x86 "integer indefinite" truncations, defined for every input.
template <typename F>
inline int32_t truncate_to_i32(F x) {
  if (x >= F(-2147483648.0) && x < F(2147483648.0)) {
    return static_cast<int32_t>(x);
  }
  return std::numeric_limits<int32_t>::min();
}

template <typename F>
inline int64_t truncate_to_i64(F x) {
  if (x >= F(-9223372036854775808.0) && x < F(9223372036854775808.0)) {
    return static_cast<int64_t>(x);
  }
  return std::numeric_limits<int64_t>::min();
}

template <typename I, typename F>
inline I float_to_int(F x) {
  if constexpr (std::is_same_v<I, int64_t>) {
    return truncate_to_i64(x);
  } else if constexpr (std::is_same_v<I, uint64_t>) {
    constexpr F two63 = F(9223372036854775808.0);
    if (x >= two63) {
      return static_cast<uint64_t>(truncate_to_i64(x - two63)) ^ (uint64_t{1} << 63);
    }
    return static_cast<uint64_t>(truncate_to_i64(x));
  } else if constexpr (std::is_same_v<I, uint32_t>) {
    return static_cast<uint32_t>(truncate_to_i64(x));
  } else {
    return static_cast<I>(truncate_to_i32(x)); // modular narrowing (C++20)
  }
}

// The float nearest to d in the direction of zero, with its last bit set when inexact.
inline float round_to_odd_float(double d) {
  float f = static_cast<float>(d);
  if (std::isnan(d) || static_cast<double>(f) == d) {
    return f;
  }
  if (std::abs(static_cast<double>(f)) > std::abs(d)) {
    f = std::nextafter(f, 0.0f);
  }
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  bits |= 1u;
  std::memcpy(&f, &bits, sizeof(bits));
  return f;
}

// The same for a 64-bit integer magnitude, which a double cannot always hold exactly.
inline float round_to_odd_float(uint64_t m) {
  int width = 64 - __builtin_clzll(m | 1);
  if (width <= 24) {
    return static_cast<float>(m);
  }
  int shift = width - 24;
  uint64_t kept = m >> shift;
  if ((m & ((uint64_t{1} << shift) - 1)) != 0) {
    kept |= 1u;
  }
  return std::ldexp(static_cast<float>(kept), shift);
}

// The value rounded to float "to odd", for a later rounding to a half type.
template <typename In>
inline float to_odd_float(In v) {
  if constexpr (std::is_same_v<In, uint64_t>) {
    return round_to_odd_float(v);
  } else if constexpr (std::is_same_v<In, int64_t>) {
    uint64_t m = v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    float f = round_to_odd_float(m);
    return v < 0 ? -f : f;
  } else {
    return round_to_odd_float(static_cast<double>(v)); // int32, uint32 and double
  }
}

} // namespace detail

template <typename Out, typename In>
inline Out convert(In v) {
  if constexpr (std::is_same_v<Out, In>) {
    return v;
  } else if constexpr (std::is_same_v<In, complex64_t>) {
    if constexpr (std::is_same_v<Out, bool>) {
      return v.real() != 0 || v.imag() != 0;
    } else {
      return convert<Out>(v.real());
    }
  } else if constexpr (std::is_same_v<Out, complex64_t>) {
    return complex64_t(convert<float>(v), 0.0f);
  } else if constexpr (std::is_same_v<Out, bool>) {
    if constexpr (is_half_v<In>) {
      return static_cast<float>(v) != 0.0f;
    } else {
      return v != In(0);
    }
  } else if constexpr (is_half_v<In>) {
    return convert<Out>(static_cast<float>(v));
  } else if constexpr (is_half_v<Out>) {
    if constexpr (std::is_same_v<In, float> || std::is_same_v<In, bool> || sizeof(In) <= 2) {
      return Out(static_cast<float>(v)); // exact in float
    } else {
      return Out(detail::to_odd_float(v));
    }
  } else if constexpr (std::is_floating_point_v<In> && std::is_integral_v<Out>) {
    return detail::float_to_int<Out>(v);
  } else {
    return static_cast<Out>(v);
  }
}

// dst[i] = convert<Out>(src[i]) over n contiguous elements; conversions from half types and
// from float to half types go a block at a time through the vectorized half_convert.h.
template <typename In, typename Out>
void convert_contiguous(const In* src, Out* dst, int64_t n) {
  if constexpr (is_half_v<In> && std::is_same_v<Out, float>) {
    to_float(src, dst, n);
  } else if constexpr (std::is_same_v<In, float> && is_half_v<Out>) {
    from_float(src, dst, n);
  } else if constexpr (is_half_v<In> && !std::is_same_v<In, Out>) {
    constexpr int64_t block = 1024;
    alignas(64) float buffer[block];
    for (int64_t b = 0; b < n; b += block) {
      int64_t m = std::min(block, n - b);
      to_float(src + b, buffer, m);
      for (int64_t k = 0; k < m; ++k) {
        dst[b + k] = convert<Out>(buffer[k]);
      }
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      dst[i] = convert<Out>(src[i]);
    }
  }
}

} // namespace mlx::core::cpu
