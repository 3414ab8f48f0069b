// Scalar math of the binary kernels where C++'s operators are undefined or differ from numpy:
// integer division and remainder by zero, MIN / -1, shifts by the type's width or more,
// negative integer powers, and the complex cases.
#pragma once

#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <type_traits>

#include "backend/cpu/math.h"

namespace mlx::core::cpu {

// Floor division (numpy's and Python's //) of integers and bools. Division by zero gives 0,
// as numpy's; MIN / -1 wraps to MIN.
template <typename T>
T floor_divide_int(T x, T y) {
  if (y == 0) {
    return 0;
  }
  if constexpr (std::is_signed_v<T>) {
    if (y == -1) {
      return wrapping_sub(T(0), x);
    }
    T q = static_cast<T>(x / y);
    if ((x % y != 0) && ((x < 0) != (y < 0))) {
      --q;
    }
    return q;
  } else {
    return static_cast<T>(x / y);
  }
}

// The remainder with the divisor's sign (numpy's and Python's %). By zero it gives 0.
template <typename T>
T remainder_int(T x, T y) {
  if (y == 0) {
    return 0;
  }
  if constexpr (std::is_signed_v<T>) {
    if (y == -1) {
      return 0;
    }
    T r = static_cast<T>(x % y);
    if (r != 0 && ((r < 0) != (y < 0))) {
      r = static_cast<T>(r + y);
    }
    return r;
  } else {
    return static_cast<T>(x % y);
  }
}

// fmod corrected to the divisor's sign; x % 0 and inf % y are NaN, x % inf is x (or inf when
// the signs differ), as numpy's.
template <typename F>
F remainder_float(F x, F y) {
  F r = std::fmod(x, y);
  if (r != 0 && ((r < 0) != (y < 0))) {
    r += y;
  }
  return r;
}

// The quotient of numpy's divmod for floats: floor((x - fmod(x, y)) / y), which agrees with
// remainder_float (q * y + r == x up to rounding) where floor(x / y) may not (1 // 0.1).
template <typename F>
F divmod_quotient(F x, F y) {
  if (y == 0) {
    return x / y;
  }
  F mod = std::fmod(x, y);
  F div = (x - mod) / y;
  if (mod != 0 && ((y < 0) != (mod < 0))) {
    div -= 1;
  }
  if (div == 0) {
    return std::copysign(F(0), x / y);
  }
  F floored = std::floor(div);
  return div - floored > F(0.5) ? floored + 1 : floored;
}

// Integer powers by squaring, wrapping around. Negative exponents give the truncated
// reciprocal (only 1 and -1 have integral ones), where numpy raises and MLX loops forever.
template <typename T>
T power_int(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      return base == 1 ? T(1) : (base == -1 ? ((exp & 1) ? T(-1) : T(1)) : T(0));
    }
  }
  T result = 1;
  while (exp != 0) {
    if (exp & 1) {
      result = wrapping_mul(result, base);
    }
    base = wrapping_mul(base, base);
    exp = static_cast<T>(exp >> 1);
  }
  return result;
}

// Shifts by a negative count or by the type's width or more give 0 (left) or fill with the
// sign (right), as numpy's.
template <typename T>
T shift_left(T x, T n) {
  constexpr int bits = sizeof(T) * 8;
  if (n < 0 || n >= bits) {
    return 0;
  }
  return static_cast<T>(static_cast<wrap_t<T>>(x) << n);
}

template <typename T>
T shift_right(T x, T n) {
  constexpr int bits = sizeof(T) * 8;
  if (n < 0 || n >= bits) {
    return (std::is_signed_v<T> && x < 0) ? T(-1) : T(0);
  }
  return static_cast<T>(x >> n);
}

template <typename F>
requires std::is_floating_point_v<F> F log_add_exp(F x, F y) {
  if (std::isnan(x) || std::isnan(y)) {
    return std::numeric_limits<F>::quiet_NaN();
  }
  F maxval = std::max(x, y);
  F minval = std::min(x, y);
  if (minval == -std::numeric_limits<F>::infinity() ||
      maxval == std::numeric_limits<F>::infinity()) {
    return maxval;
  }
  return maxval + std::log1p(std::exp(minval - maxval));
}

// log(exp(x) + exp(y)) for complex values: the larger (by real part, then imaginary) plus
// log1p(exp(smaller - larger)), its phase wrapped into [-pi, pi].
inline std::complex<float> log_add_exp(std::complex<float> x, std::complex<float> y) {
  auto larger = [](std::complex<float> a, std::complex<float> b) {
    return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
  };
  auto hi = larger(x, y) ? x : y;
  auto lo = larger(x, y) ? y : x;
  if (std::isinf(hi.real()) && hi.real() > 0) {
    return hi;
  }
  if (std::isinf(lo.real()) && lo.real() < 0) {
    return hi;
  }
  auto out = hi + log1p(std::exp(lo - hi));
  constexpr float pi = std::numbers::pi_v<float>;
  float phase = out.imag();
  if (std::isfinite(phase) && (phase > pi || phase < -pi)) {
    phase = std::remainder(phase, 2 * pi);
  }
  return {out.real(), phase};
}

} // namespace mlx::core::cpu
