// A generic derivative checker for the transform tests: at random float64 inputs, with a random
// cotangent c and direction d, <vjp(c), d> and <c, jvp(d)> must both equal the central
// difference <c, (f(x + eps d) - f(x - eps d)) / 2 eps>.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "mlx/mlx.h"

namespace grad_check {

using namespace mlx::core;
using Fn = std::function<std::vector<array>(const std::vector<array>&)>;

inline std::mt19937& rng() {
  static std::mt19937 gen(1234);
  return gen;
}

// Uniform values in [lo, hi).
inline array random_array(const Shape& shape, double lo = -1.0, double hi = 1.0,
                          Dtype dtype = float64) {
  size_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) {
    x = dist(rng());
  }
  return astype(array(v.begin(), shape, float64), dtype);
}

inline double dot(const array& a, const array& b) {
  return sum(multiply(astype(a, float64), astype(b, float64))).item<double>();
}

// Checks f's vjp and jvp at `inputs` (all differentiated) against central differences.
inline void check(const Fn& f, const std::vector<array>& inputs, double eps = 1e-6,
                  double tol = 1e-6) {
  auto outputs = f(inputs);
  std::vector<array> cotangents;
  for (const auto& o : outputs) {
    cotangents.push_back(random_array(o.shape(), -1, 1, o.dtype()));
  }
  std::vector<array> dirs;
  std::vector<array> plus;
  std::vector<array> minus;
  for (const auto& x : inputs) {
    auto d = random_array(x.shape(), -1, 1, x.dtype());
    dirs.push_back(d);
    plus.push_back(add(x, multiply(array(eps, x.dtype()), d)));
    minus.push_back(subtract(x, multiply(array(eps, x.dtype()), d)));
  }
  auto f_plus = f(plus);
  auto f_minus = f(minus);
  double numeric = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    numeric += dot(cotangents[i], subtract(f_plus[i], f_minus[i])) / (2 * eps);
  }

  auto [vjp_out, vjps] = vjp(f, inputs, cotangents);
  ASSERT_EQ(vjps.size(), inputs.size());
  double reverse = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(vjps[i].shape(), inputs[i].shape());
    reverse += dot(vjps[i], dirs[i]);
  }
  auto [jvp_out, jvps] = jvp(f, inputs, dirs);
  ASSERT_EQ(jvps.size(), outputs.size());
  double forward = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    ASSERT_EQ(jvps[i].shape(), outputs[i].shape());
    forward += dot(cotangents[i], jvps[i]);
  }
  double scale = 1 + std::abs(numeric);
  EXPECT_NEAR(reverse, numeric, tol * scale) << "vjp disagrees with central differences";
  EXPECT_NEAR(forward, numeric, tol * scale) << "jvp disagrees with central differences";
  // The transforms return the function's own outputs.
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_TRUE(allclose(vjp_out[i], outputs[i]).item<bool>());
    EXPECT_TRUE(allclose(jvp_out[i], outputs[i]).item<bool>());
  }
}

// One-input, one-output convenience.
inline void check1(const std::function<array(const array&)>& f, const array& x, double eps = 1e-6,
                   double tol = 1e-6) {
  check([&](const std::vector<array>& in) { return std::vector<array>{f(in[0])}; }, {x}, eps, tol);
}

} // namespace grad_check
