// mlx::core::linalg solves, eigen-decompositions, determinants and the CPU-stream fallback,
// against float64 references (A x = b, A v = l v, direct determinants).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "mlx/mlx.h"
#include "mlx/primitives.h"

#include "core/linalg_reference.h"

using namespace mlx::core;
using namespace linalg_reference;

namespace {

// The determinant by Gaussian elimination with partial pivoting, in long double.
double det_ref(const double* a, int n) {
  std::vector<long double> m(a, a + n * n);
  long double det = 1;
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r = c + 1; r < n; ++r) {
      if (std::abs(m[r * n + c]) > std::abs(m[p * n + c])) {
        p = r;
      }
    }
    if (m[p * n + c] == 0) {
      return 0.0;
    }
    if (p != c) {
      for (int j = 0; j < n; ++j) {
        std::swap(m[p * n + j], m[c * n + j]);
      }
      det = -det;
    }
    det *= m[c * n + c];
    for (int r = c + 1; r < n; ++r) {
      long double f = m[r * n + c] / m[c * n + c];
      for (int j = c; j < n; ++j) {
        m[r * n + j] -= f * m[c * n + j];
      }
    }
  }
  return static_cast<double>(det);
}

} // namespace

TEST(LinalgSolve, VectorAndMatrixRightHandSides) {
  for (Dtype t : kFloatTypes) {
    const int n = 6, k = 3;
    auto a = well_conditioned(n, 1);
    auto bv = random_values(n, 2);
    auto bm = random_values(n * k, 3);
    auto x = linalg::solve(make(a, {n, n}, t), make(bv, {n}, t));
    EXPECT_EQ(x.shape(), Shape{n});
    EXPECT_EQ(x.dtype(), t);
    auto ax = matmul_ref(a.data(), read(x).data(), n, n, 1);
    expect_near(ax.data(), bv.data(), n, tol_for(t), "A x = b");
    auto xm = linalg::solve(make(a, {n, n}, t), make(bm, {n, k}, t));
    EXPECT_EQ(xm.shape(), (Shape{n, k}));
    auto axm = matmul_ref(a.data(), read(xm).data(), n, n, k);
    expect_near(axm.data(), bm.data(), n * k, tol_for(t), "A X = B");
  }
}

TEST(LinalgSolve, BroadcastBatchesPromotionAndViews) {
  const int n = 4, k = 2;
  Values a;
  for (int b = 0; b < 2; ++b) {
    auto m = well_conditioned(n, 10 + b);
    a.insert(a.end(), m.begin(), m.end());
  }
  auto bm = random_values(3 * n * k, 12);
  // a [2, 1, n, n] against b [3, n, k]: x is [2, 3, n, k].
  auto x = linalg::solve(make(a, {2, 1, n, n}), make(bm, {3, n, k}));
  EXPECT_EQ(x.shape(), (Shape{2, 3, n, k}));
  auto xv = read(x);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      auto ax = matmul_ref(a.data() + i * n * n, xv.data() + (i * 3 + j) * n * k, n, n, k);
      expect_near(ax.data(), bm.data() + j * n * k, n * k, 1e-12, "broadcast A X = B");
    }
  }
  // A 1-D b against a batch of matrices.
  auto xb = linalg::solve(make(a, {2, n, n}), make(random_values(n, 13), {n}));
  EXPECT_EQ(xb.shape(), (Shape{2, n}));
  // float32 with int32 promotes to float32; a transposed A is solved as its transpose.
  auto b32 = astype(make(Values{1, 2, 3, 4}, {n}), int32);
  EXPECT_EQ(linalg::solve(make(a, {2, n, n}, float32), b32).dtype(), float32);
  auto at = swapaxes(make(a, {2, n, n}), -1, -2);
  auto rhs = make(random_values(2 * n * k, 14), {2, n, k});
  auto via_view = read(linalg::solve(at, rhs));
  auto via_copy = read(linalg::solve(contiguous(at), rhs));
  expect_near(via_view.data(), via_copy.data(), via_copy.size(), 0.0, "transposed A");
}

TEST(LinalgSolve, SingularThrowsAtEvalAndBadArguments) {
  Values singular = {1, 2, 2, 4};
  auto x = linalg::solve(make(singular, {2, 2}), make(Values{1, 1}, {2}));
  EXPECT_THROW(eval(x), std::runtime_error);
  auto sq = zeros({3, 3});
  EXPECT_THROW(linalg::solve(zeros({3}), zeros({3})), std::invalid_argument);
  EXPECT_THROW(linalg::solve(sq, array(1.0f)), std::invalid_argument);
  EXPECT_THROW(linalg::solve(zeros({3, 4}), zeros({3})), std::invalid_argument);
  EXPECT_THROW(linalg::solve(sq, zeros({4})), std::invalid_argument);
  EXPECT_THROW(linalg::solve(sq, zeros({4, 2})), std::invalid_argument);
  EXPECT_THROW(linalg::solve(zeros({3, 3}, int32), zeros({3}, int32)), std::invalid_argument);
  EXPECT_THROW(linalg::solve(zeros({3, 3}, float16), zeros({3}, float16)), std::invalid_argument);
  EXPECT_THROW(linalg::solve(zeros({2, 3, 3}), zeros({4, 3, 1})), std::invalid_argument);
}

TEST(LinalgSolveTriangular, UsesOneTriangle) {
  for (Dtype t : kFloatTypes) {
    const int n = 5, k = 2;
    auto a = well_conditioned(n, 21);
    auto b = random_values(n * k, 22);
    for (bool upper : {false, true}) {
      Values tri(a.size(), 0.0);
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          if (upper ? j >= i : j <= i) {
            tri[i * n + j] = a[i * n + j];
          }
        }
      }
      auto x = read(linalg::solve_triangular(make(a, {n, n}, t), make(b, {n, k}, t), upper));
      auto tx = matmul_ref(tri.data(), x.data(), n, n, k);
      expect_near(tx.data(), b.data(), n * k, tol_for(t), "T X = B");
    }
  }
  Values zero_diag = {1, 0, 3, 0};
  auto x = linalg::solve_triangular(make(zero_diag, {2, 2}), make(Values{1, 1}, {2}));
  EXPECT_THROW(eval(x), std::runtime_error);
  EXPECT_THROW(linalg::solve_triangular(zeros({2, 3}), zeros({2})), std::invalid_argument);
  EXPECT_THROW(linalg::solve_triangular(zeros({2, 2}, int32), zeros({2}, int32)),
               std::invalid_argument);
}

TEST(LinalgEigh, EigenpairsAscendingAndOrthonormal) {
  for (Dtype t : kFloatTypes) {
    const int n = 6, batch = 2;
    Values a;
    for (int b = 0; b < batch; ++b) {
      auto m = random_values(n * n, 40 + b);
      auto mt = transpose_ref(m.data(), n, n);
      for (int i = 0; i < n * n; ++i) {
        a.push_back(m[i] + mt[i]);
      }
    }
    for (const char* uplo : {"L", "U"}) {
      auto [w, v] = linalg::eigh(make(a, {batch, n, n}, t), uplo);
      EXPECT_EQ(w.shape(), (Shape{batch, n}));
      EXPECT_EQ(v.shape(), (Shape{batch, n, n}));
      EXPECT_EQ(w.dtype(), t);
      auto wv = read(w), vv = read(v);
      auto only = read(linalg::eigvalsh(make(a, {batch, n, n}, t), uplo));
      expect_near(only.data(), wv.data(), wv.size(), tol_for(t), "eigvalsh = eigh values");
      for (int b = 0; b < batch; ++b) {
        const double* ab = a.data() + b * n * n;
        const double* vb = vv.data() + b * n * n;
        auto av = matmul_ref(ab, vb, n, n, n);
        for (int i = 0; i < n; ++i) {
          if (i > 0) {
            EXPECT_LE(wv[b * n + i - 1], wv[b * n + i]);
          }
          for (int j = 0; j < n; ++j) {
            // Column j is the eigenvector of w[j].
            EXPECT_NEAR(av[i * n + j], wv[b * n + j] * vb[i * n + j], tol_for(t) * 10);
          }
        }
        auto vtv = matmul_ref(transpose_ref(vb, n, n).data(), vb, n, n, n);
        expect_near(vtv.data(), identity_ref(n).data(), n * n, tol_for(t), "V^T V = I");
      }
    }
  }
}

TEST(LinalgEigh, ReadsTheNamedTriangleNonFiniteAndErrors) {
  // Lower triangle of [[2, 1], [1, 2]] (eigenvalues 1, 3); junk above it.
  Values lower_only = {2, 99, 1, 2};
  auto w = read(linalg::eigvalsh(make(lower_only, {2, 2})));
  expect_near(w.data(), Values{1, 3}.data(), 2, 1e-12, "UPLO=L");
  Values upper_only = {2, 1, -7, 2};
  w = read(linalg::eigvalsh(make(upper_only, {2, 2}), "U"));
  expect_near(w.data(), Values{1, 3}.data(), 2, 1e-12, "UPLO=U");
  Values nan_input = {1, 0, std::numeric_limits<double>::quiet_NaN(), 1};
  auto wn = read(linalg::eigvalsh(make(nan_input, {2, 2})));
  EXPECT_TRUE(std::isnan(wn[0]) && std::isnan(wn[1]));

  EXPECT_THROW(linalg::eigh(zeros({2, 2}), "X"), std::invalid_argument);
  EXPECT_THROW(linalg::eigvalsh(zeros({2, 3})), std::invalid_argument);
  EXPECT_THROW(linalg::eigh(zeros({3})), std::invalid_argument);
  EXPECT_THROW(linalg::eigh(zeros({2, 2}, int32)), std::invalid_argument);
}

TEST(LinalgEig, ComplexEigenpairsOfRealMatrices) {
  for (Dtype t : kFloatTypes) {
    const int n = 5;
    auto a = random_values(n * n, 60); // a random real matrix has complex pairs
    auto [w, v] = linalg::eig(make(a, {n, n}, t));
    EXPECT_EQ(w.dtype(), complex64);
    EXPECT_EQ(v.dtype(), complex64);
    EXPECT_EQ(w.shape(), Shape{n});
    EXPECT_EQ(v.shape(), (Shape{n, n}));
    auto wv = read_complex(w), vv = read_complex(v);
    bool has_complex = false;
    for (int j = 0; j < n; ++j) {
      has_complex |= std::abs(wv[j].imag()) > 1e-3;
      double norm2 = 0;
      for (int i = 0; i < n; ++i) {
        std::complex<double> av = 0;
        for (int p = 0; p < n; ++p) {
          av += a[i * n + p] * vv[p * n + j];
        }
        EXPECT_LT(std::abs(av - wv[j] * vv[i * n + j]), 1e-4) << "A v = l v, column " << j;
        norm2 += std::norm(vv[i * n + j]);
      }
      EXPECT_NEAR(norm2, 1.0, 1e-5) << "unit eigenvectors";
    }
    EXPECT_TRUE(has_complex);
    auto only = read_complex(linalg::eigvals(make(a, {n, n}, t)));
    for (int j = 0; j < n; ++j) {
      EXPECT_LT(std::abs(only[j] - wv[j]), 1e-5);
    }
  }
  EXPECT_THROW(linalg::eig(zeros({2, 3})), std::invalid_argument);
  EXPECT_THROW(linalg::eigvals(zeros({2, 2}, int32)), std::invalid_argument);
}

TEST(LinalgDet, MatchesEliminationAndHandlesSingular) {
  for (Dtype t : kFloatTypes) {
    for (int n : {1, 2, 3, 5, 8}) {
      const int batch = 3;
      auto a = random_values(batch * n * n, 70 + n);
      auto d = linalg::det(make(a, {batch, n, n}, t));
      EXPECT_EQ(d.shape(), Shape{batch});
      EXPECT_EQ(d.dtype(), t);
      auto [sign, logabs] = linalg::slogdet(make(a, {batch, n, n}, t));
      auto dv = read(d), sv = read(sign), lv = read(logabs);
      for (int b = 0; b < batch; ++b) {
        double want = det_ref(a.data() + b * n * n, n);
        EXPECT_NEAR(dv[b], want, tol_for(t) * std::max(1.0, std::abs(want)));
        EXPECT_EQ(sv[b], want > 0 ? 1.0 : -1.0);
        EXPECT_NEAR(lv[b], std::log(std::abs(want)), tol_for(t) * 10);
      }
    }
  }
  Values singular = {1, 2, 3, 2, 4, 6, 0, 1, 1};
  EXPECT_EQ(read(linalg::det(make(singular, {3, 3})))[0], 0.0);
  auto [sign, logabs] = linalg::slogdet(make(singular, {3, 3}));
  EXPECT_EQ(read(sign)[0], 0.0);
  EXPECT_EQ(read(logabs)[0], -std::numeric_limits<double>::infinity());
}

TEST(LinalgDet, DtypesRangeAndErrors) {
  // Integers compute in float32; half types keep their dtype.
  auto ints = array({2, 1, 1, 3}, {2, 2}, int32);
  auto d = linalg::det(ints);
  EXPECT_EQ(d.dtype(), float32);
  EXPECT_EQ(read(d)[0], 5.0);
  EXPECT_EQ(linalg::det(astype(ints, float16)).dtype(), float16);
  // 100 I in 40 dimensions: det 1e80 overflows float32, log |det| does not.
  auto big = multiply(eye(40), array(100.0f));
  EXPECT_TRUE(std::isinf(read(linalg::det(big))[0]));
  EXPECT_NEAR(read(linalg::slogdet(big).second)[0], 80 * std::log(10.0), 1e-3);
  // A transposed view with a negative row swap count.
  Values p = {0, 1, 0, 0, 0, 1, 1, 0, 0};
  EXPECT_EQ(read(linalg::det(transpose(make(p, {3, 3}))))[0], 1.0);
  Values swap = {0, 1, 1, 0};
  EXPECT_EQ(read(linalg::det(make(swap, {2, 2})))[0], -1.0);

  EXPECT_THROW(linalg::det(zeros({2, 3})), std::invalid_argument);
  EXPECT_THROW(linalg::det(zeros({3})), std::invalid_argument);
  EXPECT_THROW(linalg::slogdet(zeros({2, 2}, complex64)), std::invalid_argument);
}

TEST(LinalgStreams, RunOnTheCpuWhateverTheStream) {
  auto a = make(well_conditioned(3, 80), {3, 3});
  auto want = read(linalg::inv(a));
  Stream cpu = new_stream(Device::cpu);
  expect_near(read(linalg::inv(a, cpu)).data(), want.data(), 9, 0.0, "explicit CPU stream");
  expect_near(read(linalg::inv(a, Device::cpu)).data(), want.data(), 9, 0.0, "CPU device");
  // No linalg kernels exist for the GPU: a GPU device falls back to the CPU.
  auto on_gpu = linalg::inv(a, Device::gpu);
  EXPECT_EQ(on_gpu.primitive().device().type, Device::cpu);
  expect_near(read(on_gpu).data(), want.data(), 9, 0.0, "GPU device falls back");
}

TEST(LinalgSolve, LargeMatricesAndWideBatches) {
  // One large matrix (OpenBLAS's own threads) and a wide batch of small ones (our pool, each
  // LAPACK call single-threaded) give the same residuals.
  const int n = 200;
  auto a = well_conditioned(n, 90);
  auto b = random_values(n * 3, 91);
  auto x = read(linalg::solve(make(a, {n, n}), make(b, {n, 3})));
  auto ax = matmul_ref(a.data(), x.data(), n, n, 3);
  expect_near(ax.data(), b.data(), n * 3, 1e-10, "200 x 200 solve");
  auto inv = read(linalg::inv(make(a, {n, n})));
  auto ai = matmul_ref(a.data(), inv.data(), n, n, n);
  expect_near(ai.data(), identity_ref(n).data(), n * n, 1e-10, "200 x 200 inverse");

  const int batch = 64, m = 12;
  Values many;
  for (int i = 0; i < batch; ++i) {
    auto s = spd(m, 100 + i);
    many.insert(many.end(), s.begin(), s.end());
  }
  auto l = read(linalg::cholesky(make(many, {batch, m, m}, float32)));
  auto w = read(linalg::eigvalsh(make(many, {batch, m, m})));
  for (int i = 0; i < batch; ++i) {
    const double* li = l.data() + i * m * m;
    auto llt = matmul_ref(li, transpose_ref(li, m, m).data(), m, m, m);
    expect_near(llt.data(), many.data() + i * m * m, m * m, 1e-3, "batched L L^T");
    double trace = 0, sum = 0;
    for (int j = 0; j < m; ++j) {
      trace += many[i * m * m + j * m + j];
      sum += w[i * m + j];
    }
    EXPECT_NEAR(sum, trace, 1e-9) << "eigenvalues sum to the trace";
  }
}
