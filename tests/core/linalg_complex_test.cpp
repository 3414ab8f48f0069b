// complex64 inputs of linalg::svd, eigh / eigvalsh, eig / eigvals and the singular-value norms
// (as MLX, which takes complex64 there), checked by reconstructions in complex double.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "mlx/mlx.h"

#include "core/linalg_reference.h"

using namespace mlx::core;
using namespace linalg_reference;

namespace {

using cd = std::complex<double>;
using CValues = std::vector<cd>;

CValues random_cvalues(size_t n, unsigned seed) {
  auto re = random_values(n, seed), im = random_values(n, seed + 1000);
  CValues v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = {re[i], im[i]};
  }
  return v;
}

array make_complex(const CValues& v, const Shape& shape) {
  std::vector<complex64_t> c;
  for (auto x : v) {
    c.emplace_back(static_cast<float>(x.real()), static_cast<float>(x.imag()));
  }
  return array(c.begin(), shape, complex64);
}

// C = A B, or A^H B, for row-major complex matrices.
CValues cmatmul(const cd* a, const cd* b, int m, int k, int n, bool a_adjoint = false) {
  CValues c(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i) {
    for (int p = 0; p < k; ++p) {
      cd aip = a_adjoint ? std::conj(a[p * m + i]) : a[i * k + p];
      for (int j = 0; j < n; ++j) {
        c[i * n + j] += aip * b[p * n + j];
      }
    }
  }
  return c;
}

void expect_cnear(const cd* got, const cd* want, size_t n, double tol, const char* what) {
  for (size_t i = 0; i < n; ++i) {
    ASSERT_LT(std::abs(got[i] - want[i]), tol) << what << " at " << i;
  }
}

CValues cidentity(int n) {
  CValues e(static_cast<size_t>(n) * n);
  for (int i = 0; i < n; ++i) {
    e[i * n + i] = 1.0;
  }
  return e;
}

} // namespace

TEST(LinalgComplex, SvdReconstructsWithUnitaryFactors) {
  for (auto [m, n] : {std::pair{4, 3}, std::pair{3, 5}}) {
    const int k = std::min(m, n);
    auto a = random_cvalues(m * n, 1 + m);
    auto usv = linalg::svd(make_complex(a, {m, n}));
    EXPECT_EQ(usv[0].dtype(), complex64);
    EXPECT_EQ(usv[1].dtype(), float32);
    EXPECT_EQ(usv[2].dtype(), complex64);
    auto u = read_complex(usv[0]), vh = read_complex(usv[2]);
    auto s = read(usv[1]);
    CValues us(static_cast<size_t>(m) * k);
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < k; ++j) {
        us[i * k + j] = u[i * m + j] * s[j];
      }
    }
    auto rebuilt = cmatmul(us.data(), vh.data(), m, k, n);
    expect_cnear(rebuilt.data(), a.data(), m * n, 1e-5, "U S V^H = A");
    auto uhu = cmatmul(u.data(), u.data(), m, m, m, true);
    expect_cnear(uhu.data(), cidentity(m).data(), m * m, 1e-5, "U^H U = I");
    auto values = read(linalg::svd(make_complex(a, {m, n}), false, {})[0]);
    expect_near(values.data(), s.data(), k, 1e-5, "S alone");
  }
}

TEST(LinalgComplex, HermitianEigenpairs) {
  const int n = 5;
  auto b = random_cvalues(n * n, 7);
  CValues h(n * n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      h[i * n + j] = b[i * n + j] + std::conj(b[j * n + i]);
    }
  }
  for (const char* uplo : {"L", "U"}) {
    auto [w, v] = linalg::eigh(make_complex(h, {n, n}), uplo);
    EXPECT_EQ(w.dtype(), float32);
    EXPECT_EQ(v.dtype(), complex64);
    auto wv = read(w);
    auto vv = read_complex(v);
    auto hv = cmatmul(h.data(), vv.data(), n, n, n);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        EXPECT_LT(std::abs(hv[i * n + j] - wv[j] * vv[i * n + j]), 1e-4) << "H v = l v";
      }
    }
    for (int j = 1; j < n; ++j) {
      EXPECT_LE(wv[j - 1], wv[j]);
    }
    auto only = read(linalg::eigvalsh(make_complex(h, {n, n}), uplo));
    EXPECT_EQ(linalg::eigvalsh(make_complex(h, {n, n})).dtype(), float32);
    expect_near(only.data(), wv.data(), n, 1e-5, "eigvalsh");
  }
}

TEST(LinalgComplex, GeneralEigenpairs) {
  const int n = 4;
  auto a = random_cvalues(n * n, 9);
  auto [w, v] = linalg::eig(make_complex(a, {n, n}));
  auto wv = read_complex(w), vv = read_complex(v);
  auto av = cmatmul(a.data(), vv.data(), n, n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      EXPECT_LT(std::abs(av[i * n + j] - wv[j] * vv[i * n + j]), 1e-4) << "A v = l v";
    }
  }
  auto only = read_complex(linalg::eigvals(make_complex(a, {n, n})));
  expect_cnear(only.data(), wv.data(), n, 1e-5, "eigvals");
}

TEST(LinalgComplex, SingularValueNorms) {
  // diag(3 + 4i, 1) has singular values 5 and 1.
  auto a = make_complex({{3, 4}, {0, 0}, {0, 0}, {1, 0}}, {2, 2});
  EXPECT_NEAR(read(linalg::norm(a, 2.0))[0], 5.0, 1e-5);
  EXPECT_NEAR(read(linalg::norm(a, -2.0))[0], 1.0, 1e-5);
  EXPECT_NEAR(read(linalg::norm(a, "nuc"))[0], 6.0, 1e-5);
  EXPECT_EQ(linalg::norm(a, "nuc").dtype(), float32);
}
