// Float64 references shared by the linalg tests: random matrices, reading arrays back as
// doubles, and plain matrix products.
#pragma once

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <vector>

#include "mlx/mlx.h"

namespace linalg_reference {

using namespace mlx::core;

using Values = std::vector<double>;

inline Values random_values(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Values v(n);
  for (auto& x : v) {
    x = dist(gen);
  }
  return v;
}

inline array make(const Values& v, const Shape& shape, Dtype dtype = float64) {
  return astype(array(v.begin(), shape, float64), dtype);
}

inline Values read(array a) {
  a = contiguous(astype(a, float64));
  eval(a);
  return Values(a.data<double>(), a.data<double>() + a.size());
}

inline std::vector<std::complex<double>> read_complex(array a) {
  EXPECT_EQ(a.dtype(), complex64);
  a = contiguous(a);
  eval(a);
  std::vector<std::complex<double>> out;
  for (size_t i = 0; i < a.size(); ++i) {
    out.emplace_back(a.data<complex64_t>()[i].real(), a.data<complex64_t>()[i].imag());
  }
  return out;
}

// C = A B for row-major A [m, k], B [k, n].
inline Values matmul_ref(const double* a, const double* b, int m, int k, int n) {
  Values c(static_cast<size_t>(m) * n, 0.0);
  for (int i = 0; i < m; ++i) {
    for (int p = 0; p < k; ++p) {
      for (int j = 0; j < n; ++j) {
        c[i * n + j] += a[i * k + p] * b[p * n + j];
      }
    }
  }
  return c;
}

inline Values transpose_ref(const double* a, int m, int n) {
  Values t(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      t[j * m + i] = a[i * n + j];
    }
  }
  return t;
}

inline Values identity_ref(int n) {
  Values e(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i) {
    e[i * n + i] = 1.0;
  }
  return e;
}

inline void expect_near(const double* got, const double* want, size_t n, double tol,
                        const char* what) {
  for (size_t i = 0; i < n; ++i) {
    ASSERT_NEAR(got[i], want[i], tol) << what << " at " << i;
  }
}

// A random well-conditioned square matrix (diagonally dominant).
inline Values well_conditioned(int n, unsigned seed) {
  auto a = random_values(static_cast<size_t>(n) * n, seed);
  for (int i = 0; i < n; ++i) {
    a[i * n + i] += n;
  }
  return a;
}

// A random symmetric positive definite matrix: B B^T + n I.
inline Values spd(int n, unsigned seed) {
  auto b = random_values(static_cast<size_t>(n) * n, seed);
  auto bt = transpose_ref(b.data(), n, n);
  auto a = matmul_ref(b.data(), bt.data(), n, n, n);
  for (int i = 0; i < n; ++i) {
    a[i * n + i] += n;
  }
  return a;
}

inline double tol_for(Dtype t) {
  return t == float64 ? 1e-11 : 2e-4;
}

inline const Dtype kFloatTypes[] = {float32, float64};

} // namespace linalg_reference
