// mlx::core::linalg::norm (every vector and matrix order, axes, keepdims, dtypes) against direct
// float64 formulas, with singular-value norms on matrices built with known singular values;
// and linalg::cross.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mlx/mlx.h"

#include "core/linalg_reference.h"

using namespace mlx::core;
using namespace linalg_reference;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A random orthogonal n x n matrix: a product of two Householder reflections.
Values orthogonal(int n, unsigned seed) {
  Values q = identity_ref(n);
  for (int r = 0; r < 2; ++r) {
    auto v = random_values(n, seed + r);
    double vv = 0;
    for (double x : v) {
      vv += x * x;
    }
    Values h = identity_ref(n);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        h[i * n + j] -= 2 * v[i] * v[j] / vv;
      }
    }
    q = matmul_ref(q.data(), h.data(), n, n, n);
  }
  return q;
}

// An m x n matrix with singular values s (length min(m, n)).
Values with_singular_values(int m, int n, const Values& s, unsigned seed) {
  auto u = orthogonal(m, seed), v = orthogonal(n, seed + 10);
  Values a(static_cast<size_t>(m) * n, 0.0);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      for (size_t p = 0; p < s.size(); ++p) {
        a[i * n + j] += u[i * m + p] * s[p] * v[j * n + p];
      }
    }
  }
  return a;
}

double vector_norm_ref(const double* x, int n, double ord) {
  double acc = ord == -kInf ? kInf : 0.0;
  for (int i = 0; i < n; ++i) {
    double a = std::abs(x[i]);
    if (ord == 0) {
      acc += a != 0;
    } else if (ord == kInf) {
      acc = std::max(acc, a);
    } else if (ord == -kInf) {
      acc = std::min(acc, a);
    } else {
      acc += std::pow(a, ord);
    }
  }
  return (ord == 0 || std::isinf(ord)) ? acc : std::pow(acc, 1.0 / ord);
}

} // namespace

TEST(LinalgNorm, VectorOrdersAlongEachAxis) {
  const int rows = 4, cols = 7;
  auto v = random_values(rows * cols, 1);
  v[3] = 0.0; // a zero for ord 0
  for (Dtype t : kFloatTypes) {
    auto a = make(v, {rows, cols}, t);
    for (double ord : {0.0, 1.0, 2.0, 3.0, 0.5, -1.0, kInf, -kInf}) {
      auto along_cols = linalg::norm(a, ord, 1);
      EXPECT_EQ(along_cols.shape(), Shape{rows});
      EXPECT_EQ(along_cols.dtype(), t);
      auto got = read(along_cols);
      for (int r = 0; r < rows; ++r) {
        EXPECT_NEAR(got[r], vector_norm_ref(v.data() + r * cols, cols, ord), tol_for(t) * 10)
            << "ord " << ord;
      }
      auto along_rows = read(linalg::norm(a, ord, 0, true));
      auto vt = transpose_ref(v.data(), rows, cols);
      for (int c = 0; c < cols; ++c) {
        EXPECT_NEAR(along_rows[c], vector_norm_ref(vt.data() + c * rows, rows, ord),
                    tol_for(t) * 10)
            << "ord " << ord;
      }
      EXPECT_EQ(linalg::norm(a, ord, 0, true).shape(), (Shape{1, cols}));
    }
  }
  // A 1-D input needs no axis.
  auto x = make(Values{3, -4}, {2});
  EXPECT_NEAR(read(linalg::norm(x, 2.0))[0], 5.0, 1e-12);
  EXPECT_NEAR(read(linalg::norm(x, 1.0))[0], 7.0, 1e-12);
}

TEST(LinalgNorm, DefaultIsTheTwoNormOfAllValues) {
  auto v = random_values(2 * 3 * 4, 2);
  double ss = 0;
  for (double x : v) {
    ss += x * x;
  }
  auto a = make(v, {2, 3, 4});
  auto n = linalg::norm(a);
  EXPECT_EQ(n.ndim(), 0u);
  EXPECT_NEAR(read(n)[0], std::sqrt(ss), 1e-12);
  EXPECT_EQ(linalg::norm(a, std::nullopt, true).shape(), (Shape{1, 1, 1}));
  // Over given axes: the 2-norm of one axis, the Frobenius norm of two.
  auto over = read(linalg::norm(a, std::vector<int>{0, 2}));
  for (int j = 0; j < 3; ++j) {
    double s = 0;
    for (int i = 0; i < 2; ++i) {
      for (int k = 0; k < 4; ++k) {
        s += v[(i * 3 + j) * 4 + k] * v[(i * 3 + j) * 4 + k];
      }
    }
    EXPECT_NEAR(over[j], std::sqrt(s), 1e-12);
  }
  EXPECT_EQ(linalg::norm(a, -1).shape(), (Shape{2, 3}));
}

TEST(LinalgNorm, MatrixOrders) {
  const int m = 5, n = 3;
  Values s = {4.0, 2.5, 0.5};
  auto v = with_singular_values(m, n, s, 3);
  double col_max = 0, col_min = kInf, row_max = 0, row_min = kInf, fro = 0;
  for (int j = 0; j < n; ++j) {
    double c = 0;
    for (int i = 0; i < m; ++i) {
      c += std::abs(v[i * n + j]);
      fro += v[i * n + j] * v[i * n + j];
    }
    col_max = std::max(col_max, c);
    col_min = std::min(col_min, c);
  }
  for (int i = 0; i < m; ++i) {
    double r = 0;
    for (int j = 0; j < n; ++j) {
      r += std::abs(v[i * n + j]);
    }
    row_max = std::max(row_max, r);
    row_min = std::min(row_min, r);
  }
  for (Dtype t : kFloatTypes) {
    auto a = make(v, {m, n}, t);
    const double tol = tol_for(t) * 10;
    EXPECT_NEAR(read(linalg::norm(a, 1.0))[0], col_max, tol);
    EXPECT_NEAR(read(linalg::norm(a, -1.0))[0], col_min, tol);
    EXPECT_NEAR(read(linalg::norm(a, kInf))[0], row_max, tol);
    EXPECT_NEAR(read(linalg::norm(a, -kInf))[0], row_min, tol);
    EXPECT_NEAR(read(linalg::norm(a, 2.0))[0], 4.0, tol);
    EXPECT_NEAR(read(linalg::norm(a, -2.0))[0], 0.5, tol);
    EXPECT_NEAR(read(linalg::norm(a, "fro"))[0], std::sqrt(fro), tol);
    EXPECT_NEAR(read(linalg::norm(a, "f"))[0], std::sqrt(fro), tol);
    EXPECT_NEAR(read(linalg::norm(a, "nuc"))[0], 7.0, tol);
    // The same norms of the transpose, given as swapped axes.
    EXPECT_NEAR(read(linalg::norm(transpose(a), kInf, std::vector<int>{1, 0}))[0], row_max, tol);
    EXPECT_NEAR(read(linalg::norm(a, 1.0, std::vector<int>{1, 0}))[0], row_max, tol);
    EXPECT_NEAR(read(linalg::norm(a, "nuc", std::vector<int>{1, 0}))[0], 7.0, tol);
    EXPECT_EQ(linalg::norm(a, 2.0).dtype(), t);
  }
}

TEST(LinalgNorm, BatchedMatrixNormsKeepdimsAndAxes) {
  // [2, m, 3, n]: matrices over axes 1 and 3, batch over 0 and 2.
  const int m = 4, n = 3;
  Values all(2 * m * 3 * n);
  std::vector<double> top(6);
  for (int b = 0; b < 6; ++b) {
    Values s = {1.0 + b, 0.5, 0.25};
    top[b] = 1.0 + b;
    auto mat = with_singular_values(m, n, s, 100 + b);
    int b0 = b / 3, b2 = b % 3;
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        all[((b0 * m + i) * 3 + b2) * n + j] = mat[i * n + j];
      }
    }
  }
  auto a = make(all, {2, m, 3, n});
  auto two = linalg::norm(a, 2.0, std::vector<int>{1, 3});
  EXPECT_EQ(two.shape(), (Shape{2, 3}));
  auto tv = read(two);
  for (int b = 0; b < 6; ++b) {
    EXPECT_NEAR(tv[b], top[b], 1e-10);
  }
  EXPECT_EQ(linalg::norm(a, 2.0, std::vector<int>{1, 3}, true).shape(), (Shape{2, 1, 3, 1}));
  EXPECT_EQ(linalg::norm(a, "nuc", std::vector<int>{3, 1}, true).shape(), (Shape{2, 1, 3, 1}));
  EXPECT_EQ(linalg::norm(a, 1.0, std::vector<int>{1, 3}).shape(), (Shape{2, 3}));
  EXPECT_EQ(linalg::norm(a, kInf, std::vector<int>{3, 1}, true).shape(), (Shape{2, 1, 3, 1}));
  EXPECT_EQ(linalg::norm(a, -1.0, std::vector<int>{-1, -3}).shape(), (Shape{2, 3}));
}

TEST(LinalgNorm, IntegerAndComplexInputs) {
  auto ints = array({3, -4, 0, 12}, {2, 2}, int32);
  auto n = linalg::norm(ints, 2.0, -1);
  EXPECT_EQ(n.dtype(), float32);
  expect_near(read(n).data(), Values{5, 12}.data(), 2, 1e-6, "int 2-norm");
  EXPECT_EQ(read(linalg::norm(ints, 0.0, -1))[0], 2.0);
  // The largest singular value of [[3, -4], [0, 12]]: sqrt of the top eigenvalue of A^T A.
  EXPECT_NEAR(read(linalg::norm(ints, 2.0))[0], std::sqrt((169 + std::sqrt(23377.0)) / 2), 1e-4);
  EXPECT_EQ(linalg::norm(astype(ints, float16), 1.0, -1).dtype(), float16);
  auto z = array(std::complex<float>(3, 4));
  auto zs = broadcast_to(reshape(z, {1}), {2});
  auto zn = linalg::norm(zs, 2.0, 0);
  EXPECT_EQ(zn.dtype(), float32);
  EXPECT_NEAR(read(zn)[0], std::sqrt(50.0), 1e-5);
  EXPECT_NEAR(read(linalg::norm(zs, 1.0, 0))[0], 10.0, 1e-5);
  EXPECT_NEAR(read(linalg::norm(zs))[0], std::sqrt(50.0), 1e-5);
}

TEST(LinalgNorm, Errors) {
  auto a = zeros({2, 3, 4});
  EXPECT_THROW(linalg::norm(a, 2.0), std::invalid_argument); // three axes
  EXPECT_THROW(linalg::norm(a, std::vector<int>{0, 1, 2}), std::invalid_argument);
  EXPECT_THROW(linalg::norm(a, 2.0, std::vector<int>{1, 1}), std::invalid_argument);
  EXPECT_THROW(linalg::norm(a, 2.0, 3), std::invalid_argument);
  EXPECT_THROW(linalg::norm(a, 3.0, std::vector<int>{0, 1}), std::invalid_argument);
  EXPECT_THROW(linalg::norm(a, "abc", std::vector<int>{0, 1}), std::invalid_argument);
  EXPECT_THROW(linalg::norm(a, "fro", 0), std::invalid_argument);
  EXPECT_THROW(linalg::norm(array(1.0f), 2.0), std::invalid_argument);
}

TEST(LinalgCross, ThreeAndTwoVectors) {
  auto u = random_values(4 * 3, 5), w = random_values(4 * 3, 6);
  auto c = read(linalg::cross(make(u, {4, 3}), make(w, {4, 3})));
  for (int r = 0; r < 4; ++r) {
    const double* a = u.data() + r * 3;
    const double* b = w.data() + r * 3;
    double want[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                      a[0] * b[1] - a[1] * b[0]};
    expect_near(c.data() + r * 3, want, 3, 1e-12, "cross");
  }
  // Along axis 0, with a broadcast second operand.
  auto ct = read(linalg::cross(transpose(make(u, {4, 3})), make(Values{0, 0, 1}, {3, 1}), 0));
  for (int r = 0; r < 4; ++r) {
    EXPECT_NEAR(ct[0 * 4 + r], u[r * 3 + 1], 1e-12);
    EXPECT_NEAR(ct[1 * 4 + r], -u[r * 3 + 0], 1e-12);
    EXPECT_NEAR(ct[2 * 4 + r], 0.0, 1e-12);
  }
  // 2-vectors have a zero z component.
  auto c22 = read(linalg::cross(make(Values{1, 2}, {2}), make(Values{3, 4}, {2})));
  expect_near(c22.data(), Values{0, 0, -2}.data(), 3, 1e-12, "2 x 2");
  auto c23 = read(linalg::cross(make(Values{1, 2}, {2}), make(Values{3, 4, 5}, {3})));
  expect_near(c23.data(), Values{10, -5, -2}.data(), 3, 1e-12, "2 x 3");
  auto c32 = read(linalg::cross(make(Values{3, 4, 5}, {3}), make(Values{1, 2}, {2})));
  expect_near(c32.data(), Values{-10, 5, 2}.data(), 3, 1e-12, "3 x 2");
  EXPECT_EQ(linalg::cross(array({1, 0, 0}), array({0, 1, 0})).dtype(), int32);

  EXPECT_THROW(linalg::cross(zeros({4}), zeros({4})), std::invalid_argument);
  EXPECT_THROW(linalg::cross(zeros({3}), zeros({3}), 1), std::invalid_argument);
  EXPECT_THROW(linalg::cross(zeros({3}), zeros({3}), -2), std::invalid_argument);
}
