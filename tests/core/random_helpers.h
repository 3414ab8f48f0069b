// Shared by the random tests: reading arrays back, MLX's reference bits for key(0), and
// independent references (threefry2x32, erfinv, sample moments).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "mlx/mlx.h"

namespace random_test {

using namespace mlx::core;

template <typename T>
inline std::vector<T> values(const array& x) {
  auto c = contiguous(x);
  c.eval();
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

inline std::vector<double> as_doubles(const array& x) {
  return values<double>(astype(x, float64));
}

// MLX's uniform test maps bits to [0, 1] this way.
inline float to_float(uint32_t n) {
  return static_cast<float>(n) / static_cast<float>(UINT32_MAX);
}

// Inverse error function in double by bisection on std::erf: slow, simple, independent.
inline double erfinv_ref(double y) {
  double lo = -10;
  double hi = 10;
  for (int i = 0; i < 200; ++i) {
    double mid = 0.5 * (lo + hi);
    (std::erf(mid) < y ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

struct Moments {
  double mean;
  double var;
};

inline Moments moments(const std::vector<double>& x) {
  double mean = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
  double ss = 0;
  for (double v : x) {
    ss += (v - mean) * (v - mean);
  }
  return {mean, ss / x.size()};
}

inline double fraction_below(const std::vector<double>& x, double t) {
  return static_cast<double>(std::count_if(x.begin(), x.end(), [t](double v) { return v < t; })) /
         x.size();
}

// Threefry2x32 with 20 rounds, written from the Random123 paper's description.
inline std::pair<uint32_t, uint32_t> threefry_ref(std::pair<uint32_t, uint32_t> key,
                                                  std::pair<uint32_t, uint32_t> ctr) {
  const int rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  uint32_t k[3] = {key.first, key.second, key.first ^ key.second ^ 0x1BD11BDAu};
  uint32_t x[2] = {ctr.first + k[0], ctr.second + k[1]};
  for (int round = 0; round < 20; ++round) {
    int r = rot[round % 8];
    x[0] += x[1];
    x[1] = (x[1] << r) | (x[1] >> (32 - r));
    x[1] ^= x[0];
    if (round % 4 == 3) {
      int inject = round / 4 + 1;
      x[0] += k[inject % 3];
      x[1] += k[(inject + 1) % 3] + inject;
    }
  }
  return {x[0], x[1]};
}

inline const std::vector<uint32_t> kBits3Key0 = {4146024105u, 1351547692u, 2718843009u};

// Runs f, expecting std::invalid_argument whose message starts with "[op]".
template <typename F>
void expect_op_error(const char* op, F&& f) {
  try {
    f();
    ADD_FAILURE() << "no exception from " << op;
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind(std::string("[") + op + "]", 0), 0u) << e.what();
  }
}

} // namespace random_test
