// bfloat16: the upper 16 bits of a float32, computed in float (MLX's bfloat16_t).
#pragma once

#include "mlx/types/fp16.h"

namespace mlx::core {

struct bfloat16_t {
  uint16_t bits_;

  bfloat16_t() = default;
  // Round to nearest, ties to even; NaN stays a quiet NaN.
  bfloat16_t(float f) {
    uint32_t bits = detail::float_to_bits(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
      bits_ = static_cast<uint16_t>((bits >> 16) | 0x0040u);
    } else {
      bits += 0x7fffu + ((bits >> 16) & 1u);
      bits_ = static_cast<uint16_t>(bits >> 16);
    }
  }
  bfloat16_t(double f) : bfloat16_t(static_cast<float>(f)) {}
  template <std::integral T>
  bfloat16_t(T v) : bfloat16_t(static_cast<float>(v)) {}

  operator float() const { return detail::bits_to_float(static_cast<uint32_t>(bits_) << 16); }

  static bfloat16_t from_bits(uint16_t bits) {
    bfloat16_t b;
    b.bits_ = bits;
    return b;
  }

  bfloat16_t& operator+=(bfloat16_t o) { return *this = float(*this) + float(o); }
  bfloat16_t& operator-=(bfloat16_t o) { return *this = float(*this) - float(o); }
  bfloat16_t& operator*=(bfloat16_t o) { return *this = float(*this) * float(o); }
  bfloat16_t& operator/=(bfloat16_t o) { return *this = float(*this) / float(o); }
  bfloat16_t operator-() const { return from_bits(bits_ ^ 0x8000u); }
};

} // namespace mlx::core
