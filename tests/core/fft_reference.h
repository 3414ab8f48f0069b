// Float64 references shared by the FFT tests: random data, a naive O(n^2) DFT and the error
// measure.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

namespace fft_reference {

using cd = std::complex<double>;

inline std::vector<cd> random_complex(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<cd> v(n);
  for (auto& x : v) {
    x = {dist(gen), dist(gen)};
  }
  return v;
}

inline std::vector<double> random_real(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) {
    x = dist(gen);
  }
  return v;
}

// sum_t x[t] e^{-+2 pi i t k / n}, with the exponent reduced exactly.
inline std::vector<cd> naive_dft(const std::vector<cd>& x, bool inverse = false) {
  const int64_t n = x.size();
  std::vector<cd> out(n);
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t k = 0; k < n; ++k) {
    cd acc = 0;
    for (int64_t t = 0; t < n; ++t) {
      double angle = sign * 2.0 * std::numbers::pi * static_cast<double>((t * k) % n) / n;
      acc += x[t] * cd(std::cos(angle), std::sin(angle));
    }
    out[k] = acc;
  }
  return out;
}

// max |got - want| relative to the largest |want| (at least 1).
inline double max_rel_error(const std::vector<cd>& got, const std::vector<cd>& want) {
  EXPECT_EQ(got.size(), want.size());
  double err = 0.0, scale = 1.0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    err = std::max(err, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return err / scale;
}

// Lengths of every kind: powers of two, 2^a 3^b 5^c, small primes (direct butterflies), larger
// primes and their products (Bluestein).
inline const std::vector<int> kLengths = {
    1,  2,  3,  4,  5,   6,   7,   8,   9,   12,  15,  16,  17,  25,   27,   31,   32,  37,
    49, 60, 64, 97, 100, 121, 128, 210, 243, 256, 360, 625, 961, 1000, 1024, 1031, 4099};

} // namespace fft_reference
