// Scalar math that the C++ library lacks or that must match MLX bit for bit.
#pragma once

#include <cmath>

namespace mlx::core::cpu {

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
