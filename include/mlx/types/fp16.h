// IEEE 754 half precision, stored as 16 bits and computed in float (MLX's float16_t).
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>

namespace mlx::core {

namespace detail {

inline float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

inline uint32_t float_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

// Exact conversion, handling subnormals, infinities and NaN.
inline float half_bits_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) {
    return bits_to_float(sign | 0x7f800000u | (mantissa << 13));
  }
  if (exponent == 0) {
    if (mantissa == 0) {
      return bits_to_float(sign);
    }
    // Subnormal: value = mantissa * 2^-24.
    float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-08f;
    return sign ? -magnitude : magnitude;
  }
  return bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Round to nearest, ties to even; overflow gives infinity; NaN stays NaN.
inline uint16_t float_to_half_bits(float f) {
  uint32_t bits = float_to_bits(f);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t abs_bits = bits & 0x7fffffffu;
  if (abs_bits >= 0x7f800000u) {
    return sign | (abs_bits > 0x7f800000u ? 0x7e00u : 0x7c00u);
  }
  if (abs_bits >= 0x477ff000u) { // rounds to >= 65520: overflow
    return sign | 0x7c00u;
  }
  if (abs_bits < 0x38800000u) { // below the smallest normal half (2^-14)
    // Scale into the subnormal range and let float addition do the rounding.
    float magnitude = bits_to_float(abs_bits) + 0.5f;
    return sign | static_cast<uint16_t>(float_to_bits(magnitude) - 0x3f000000u);
  }
  uint32_t mantissa_odd = (abs_bits >> 13) & 1u;
  abs_bits += 0xc8000fffu + mantissa_odd; // rebias exponent (-112 << 23) and round
  return sign | static_cast<uint16_t>(abs_bits >> 13);
}

} // namespace detail

struct float16_t {
  uint16_t bits_;

  float16_t() = default;
  float16_t(float f) : bits_(detail::float_to_half_bits(f)) {}
  float16_t(double f) : float16_t(static_cast<float>(f)) {}
  template <std::integral T>
  float16_t(T v) : float16_t(static_cast<float>(v)) {}

  operator float() const { return detail::half_bits_to_float(bits_); }

  static float16_t from_bits(uint16_t bits) {
    float16_t h;
    h.bits_ = bits;
    return h;
  }

  float16_t& operator+=(float16_t o) { return *this = float(*this) + float(o); }
  float16_t& operator-=(float16_t o) { return *this = float(*this) - float(o); }
  float16_t& operator*=(float16_t o) { return *this = float(*this) * float(o); }
  float16_t& operator/=(float16_t o) { return *this = float(*this) / float(o); }
  float16_t operator-() const { return from_bits(bits_ ^ 0x8000u); }
};

} // namespace mlx::core
