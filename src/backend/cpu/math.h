// Scalar math that the C++ library lacks or that must match MLX bit for bit.
#pragma once

#include <cmath>
#include <complex>
#include <numbers>
#include <type_traits>

namespace mlx::core::cpu {

// Integer arithmetic that wraps around, as MLX's kernels do on every platform. C++ leaves signed
// overflow undefined and promotes narrow unsigned types to int (where 65535 * 65535 overflows),
// so compute in an unsigned type at least as wide as unsigned int.
template <typename T>
using wrap_t =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
inline T wrapping_add(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
}
template <typename T>
inline T wrapping_sub(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b));
}
template <typename T>
inline T wrapping_mul(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
}

// expm1 and log1p for real and complex arguments; the complex forms are accurate near zero where
// the naive ones cancel.
template <typename F>
requires std::is_floating_point_v<F>
inline F expm1(F x) {
  return std::expm1(x);
}
template <typename F>
requires std::is_floating_point_v<F>
inline F log1p(F x) {
  return std::log1p(x);
}

inline std::complex<float> expm1(std::complex<float> z) {
  // exp(x + iy) - 1 = (expm1(x) cos y - 2 sin^2(y / 2)) + i exp(x) sin y
  float x = z.real(), y = z.imag();
  float half_sin = std::sin(y / 2);
  return {std::expm1(x) * std::cos(y) - 2 * half_sin * half_sin, std::exp(x) * std::sin(y)};
}

inline std::complex<float> log1p(std::complex<float> z) {
  float x = z.real(), y = z.imag();
  float theta = std::atan2(y, x + 1);
  if (std::abs(z) < 0.5f) {
    // |1 + z|^2 = 1 + r with r small: log|1 + z| = log1p(r) / 2.
    float r = x * (2 + x) + y * y;
    if (r == 0) { // underflow: log(1 + z) ~ z
      return {x, theta};
    }
    return {0.5f * std::log1p(r), theta};
  }
  return {std::log(std::hypot(x + 1, y)), theta};
}

// Inverse error function in single precision: a polynomial in t = log(1 - a^2), one for the
// centre and one for the tails (N. Juffa's approximation, the one MLX uses, so that
// random::normal gives MLX's numbers).
inline float erfinv(float a) {
  float t = std::fma(a, 0.0f - a, 1.0f);
  t = std::log(t);
  float p;
  if (std::abs(t) > 6.125f) { // maximum ulp error = 2.35793
    p = 3.03697567e-10f;
    p = std::fma(p, t, 2.93243101e-8f);
    p = std::fma(p, t, 1.22150334e-6f);
    p = std::fma(p, t, 2.84108955e-5f);
    p = std::fma(p, t, 3.93552968e-4f);
    p = std::fma(p, t, 3.02698812e-3f);
    p = std::fma(p, t, 4.83185798e-3f);
    p = std::fma(p, t, -2.64646143e-1f);
    p = std::fma(p, t, 8.40016484e-1f);
  } else { // maximum ulp error = 2.35002
    p = 5.43877832e-9f;
    p = std::fma(p, t, 1.43285448e-7f);
    p = std::fma(p, t, 1.22774793e-6f);
    p = std::fma(p, t, 1.12963626e-7f);
    p = std::fma(p, t, -5.61530760e-5f);
    p = std::fma(p, t, -1.47697632e-4f);
    p = std::fma(p, t, 2.31468678e-3f);
    p = std::fma(p, t, 1.15392581e-2f);
    p = std::fma(p, t, -2.32015476e-1f);
    p = std::fma(p, t, 8.86226892e-1f);
  }
  return a * p;
}

inline double erfinv(double a) {
  // Refine the float estimate with two Newton steps on erf(y) - a.
  if (a <= -1.0) {
    return a == -1.0 ? -INFINITY : NAN;
  }
  if (a >= 1.0) {
    return a == 1.0 ? INFINITY : NAN;
  }
  double y = erfinv(static_cast<float>(a));
  constexpr double two_over_sqrt_pi = 1.1283791670955126;
  for (int i = 0; i < 2; ++i) {
    y -= (std::erf(y) - a) / (two_over_sqrt_pi * std::exp(-y * y));
  }
  return y;
}

} // namespace mlx::core::cpu
