// mlx::core::linalg factorizations, inverses, solves, eigen-decompositions and determinants,
// checked by float64 reconstructions (Q R = A, U S V^T = A, A inv(A) = I, L L^T = A, A v = l v)
// in float32 and float64, batched and non-contiguous, and every error path.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <random>
#include <vector>

#include "mlx/mlx.h"

#include "core/linalg_reference.h"

using namespace mlx::core;
using namespace linalg_reference;

TEST(LinalgQr, ReconstructsAndIsOrthonormal) {
  for (Dtype t : kFloatTypes) {
    for (auto [m, n] : {std::pair{5, 3}, std::pair{3, 5}, std::pair{4, 4}, std::pair{1, 1}}) {
      const int batch = 3, k = std::min(m, n);
      auto v = random_values(batch * m * n, m * 10 + n);
      auto [q, r] = linalg::qr(make(v, {batch, m, n}, t));
      EXPECT_EQ(q.shape(), (Shape{batch, m, k}));
      EXPECT_EQ(r.shape(), (Shape{batch, k, n}));
      EXPECT_EQ(q.dtype(), t);
      auto qv = read(q), rv = read(r);
      for (int b = 0; b < batch; ++b) {
        const double* qb = qv.data() + b * m * k;
        const double* rb = rv.data() + b * k * n;
        auto qr = matmul_ref(qb, rb, m, k, n);
        expect_near(qr.data(), v.data() + b * m * n, m * n, tol_for(t), "QR = A");
        auto qt = transpose_ref(qb, m, k);
        auto qtq = matmul_ref(qt.data(), qb, k, m, k);
        expect_near(qtq.data(), identity_ref(k).data(), k * k, tol_for(t), "Q^T Q = I");
        for (int i = 0; i < k; ++i) {
          for (int j = 0; j < std::min(i, n); ++j) {
            EXPECT_EQ(rb[i * n + j], 0.0) << "R is upper triangular";
          }
        }
      }
    }
  }
}

TEST(LinalgQr, NonContiguousInputAndErrors) {
  auto v = random_values(4 * 6, 3);
  auto a = make(v, {4, 6});
  auto [q, r] = linalg::qr(transpose(a)); // 6 x 4
  auto at = transpose_ref(v.data(), 4, 6);
  auto qr = matmul_ref(read(q).data(), read(r).data(), 6, 4, 4);
  expect_near(qr.data(), at.data(), 24, 1e-12, "QR = A^T");

  EXPECT_THROW(linalg::qr(make(v, {24})), std::invalid_argument);
  EXPECT_THROW(linalg::qr(astype(a, int32)), std::invalid_argument);
  EXPECT_THROW(linalg::qr(astype(a, float16)), std::invalid_argument);
}

TEST(LinalgSvd, ReconstructsWithOrthogonalFactors) {
  for (Dtype t : kFloatTypes) {
    for (auto [m, n] : {std::pair{5, 3}, std::pair{3, 5}, std::pair{4, 4}}) {
      const int batch = 2, k = std::min(m, n);
      auto v = random_values(batch * m * n, 7 * m + n);
      auto usv = linalg::svd(make(v, {batch, m, n}, t));
      ASSERT_EQ(usv.size(), 3u);
      EXPECT_EQ(usv[0].shape(), (Shape{batch, m, m}));
      EXPECT_EQ(usv[1].shape(), (Shape{batch, k}));
      EXPECT_EQ(usv[2].shape(), (Shape{batch, n, n}));
      auto u = read(usv[0]), s = read(usv[1]), vt = read(usv[2]);
      for (int b = 0; b < batch; ++b) {
        const double* ub = u.data() + b * m * m;
        const double* sb = s.data() + b * k;
        const double* vb = vt.data() + b * n * n;
        for (int i = 0; i < k; ++i) {
          EXPECT_GE(sb[i], 0.0);
          if (i > 0) {
            EXPECT_LE(sb[i], sb[i - 1]) << "descending";
          }
        }
        // U[:, :k] diag(S) V^T[:k, :] = A.
        Values us(static_cast<size_t>(m) * k);
        for (int i = 0; i < m; ++i) {
          for (int j = 0; j < k; ++j) {
            us[i * k + j] = ub[i * m + j] * sb[j];
          }
        }
        auto usvt = matmul_ref(us.data(), vb, m, k, n);
        expect_near(usvt.data(), v.data() + b * m * n, m * n, tol_for(t), "U S V^T = A");
        auto utu = matmul_ref(transpose_ref(ub, m, m).data(), ub, m, m, m);
        expect_near(utu.data(), identity_ref(m).data(), m * m, tol_for(t), "U^T U = I");
        auto vvt = matmul_ref(vb, transpose_ref(vb, n, n).data(), n, n, n);
        expect_near(vvt.data(), identity_ref(n).data(), n * n, tol_for(t), "V^T V = I");
      }
      auto values_only = linalg::svd(make(v, {batch, m, n}, t), false, {});
      ASSERT_EQ(values_only.size(), 1u);
      auto sv = read(values_only[0]);
      expect_near(sv.data(), s.data(), s.size(), tol_for(t), "S without U, V");
    }
  }
}

TEST(LinalgSvd, NonFiniteEmptyAndErrors) {
  auto v = random_values(9, 1);
  v[4] = std::numeric_limits<double>::quiet_NaN();
  auto good = random_values(9, 2);
  Values both = good;
  both.insert(both.end(), v.begin(), v.end());
  auto usv = linalg::svd(make(both, {2, 3, 3}));
  auto s = read(usv[1]);
  EXPECT_FALSE(std::isnan(s[0])) << "the finite matrix of the batch is unaffected";
  for (int i = 3; i < 6; ++i) {
    EXPECT_TRUE(std::isnan(s[i]));
  }
  auto empty = linalg::svd(zeros({0, 3}, float32));
  EXPECT_EQ(empty[1].shape(), (Shape{0}));
  expect_near(read(empty[2]).data(), identity_ref(3).data(), 9, 0.0, "V^T of an empty matrix");

  EXPECT_THROW(linalg::svd(make(v, {9})), std::invalid_argument);
  EXPECT_THROW(linalg::svd(zeros({3, 3}, int32)), std::invalid_argument);
  EXPECT_THROW(linalg::svd(zeros({3, 3}, float16)), std::invalid_argument);
}

TEST(LinalgInv, TimesInputIsIdentity) {
  for (Dtype t : kFloatTypes) {
    const int batch = 3, n = 6;
    Values v;
    for (int b = 0; b < batch; ++b) {
      auto m = well_conditioned(n, 20 + b);
      v.insert(v.end(), m.begin(), m.end());
    }
    auto inv = linalg::inv(make(v, {batch, n, n}, t));
    EXPECT_EQ(inv.dtype(), t);
    auto iv = read(inv);
    for (int b = 0; b < batch; ++b) {
      auto prod = matmul_ref(v.data() + b * n * n, iv.data() + b * n * n, n, n, n);
      expect_near(prod.data(), identity_ref(n).data(), n * n, tol_for(t), "A inv(A) = I");
    }
    // A transposed view and a broadcast batch give the same as contiguous copies.
    auto a = make(v, {batch, n, n}, t);
    auto via_view = read(linalg::inv(swapaxes(a, -1, -2)));
    auto via_copy = read(linalg::inv(contiguous(swapaxes(a, -1, -2))));
    expect_near(via_view.data(), via_copy.data(), via_copy.size(), 0.0, "transposed input");
    auto one = slice(a, {0, 0, 0}, {1, n, n});
    auto bcast = read(linalg::inv(broadcast_to(one, {4, n, n})));
    for (int b = 0; b < 4; ++b) {
      expect_near(bcast.data() + b * n * n, iv.data(), n * n, 0.0, "broadcast batch");
    }
  }
}

TEST(LinalgInv, SingularThrowsAtEvalAndBadArguments) {
  Values singular = {1, 2, 3, 2, 4, 6, 1, 0, 1}; // row 1 = 2 row 0
  auto inv = linalg::inv(make(singular, {3, 3}));
  EXPECT_THROW(eval(inv), std::runtime_error);
  try {
    eval(linalg::inv(make(singular, {3, 3})));
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[linalg::inv]", 0), 0u) << e.what();
  }
  EXPECT_THROW(linalg::inv(zeros({3, 4})), std::invalid_argument);
  EXPECT_THROW(linalg::inv(zeros({3})), std::invalid_argument);
  EXPECT_THROW(linalg::inv(zeros({3, 3}, int32)), std::invalid_argument);
  EXPECT_THROW(linalg::inv(zeros({3, 3}, bfloat16)), std::invalid_argument);
}

TEST(LinalgTriInv, InvertsOneTriangleOnly) {
  const int n = 5;
  auto v = well_conditioned(n, 4);
  for (bool upper : {false, true}) {
    Values tri(v.size(), 0.0);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        if (upper ? j >= i : j <= i) {
          tri[i * n + j] = v[i * n + j];
        }
      }
    }
    // The other triangle of the input is ignored; that of the result is zero.
    auto inv = read(linalg::tri_inv(make(v, {n, n}), upper));
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        if (upper ? j < i : j > i) {
          EXPECT_EQ(inv[i * n + j], 0.0);
        }
      }
    }
    auto prod = matmul_ref(tri.data(), inv.data(), n, n, n);
    expect_near(prod.data(), identity_ref(n).data(), n * n, 1e-12, "T inv(T) = I");
  }
  Values zero_diag = {1, 0, 0, 5, 0, 0, 2, 3, 4};
  EXPECT_THROW(eval(linalg::tri_inv(make(zero_diag, {3, 3}))), std::runtime_error);
  EXPECT_THROW(linalg::tri_inv(zeros({2, 3})), std::invalid_argument);
}

TEST(LinalgCholesky, FactorsReconstructAndInverse) {
  for (Dtype t : kFloatTypes) {
    const int n = 7, batch = 2;
    Values v;
    for (int b = 0; b < batch; ++b) {
      auto m = spd(n, 30 + b);
      v.insert(v.end(), m.begin(), m.end());
    }
    auto lower = read(linalg::cholesky(make(v, {batch, n, n}, t)));
    auto upper = read(linalg::cholesky(make(v, {batch, n, n}, t), true));
    auto inv = read(linalg::cholesky_inv(linalg::cholesky(make(v, {batch, n, n}, t))));
    auto inv_u =
        read(linalg::cholesky_inv(linalg::cholesky(make(v, {batch, n, n}, t), true), true));
    const double tol = tol_for(t) * n;
    for (int b = 0; b < batch; ++b) {
      const double* l = lower.data() + b * n * n;
      const double* u = upper.data() + b * n * n;
      for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
          EXPECT_EQ(l[i * n + j], 0.0);
          EXPECT_EQ(u[j * n + i], 0.0);
        }
      }
      auto llt = matmul_ref(l, transpose_ref(l, n, n).data(), n, n, n);
      expect_near(llt.data(), v.data() + b * n * n, n * n, tol, "L L^T = A");
      auto utu = matmul_ref(transpose_ref(u, n, n).data(), u, n, n, n);
      expect_near(utu.data(), v.data() + b * n * n, n * n, tol, "U^T U = A");
      auto ai = matmul_ref(v.data() + b * n * n, inv.data() + b * n * n, n, n, n);
      expect_near(ai.data(), identity_ref(n).data(), n * n, tol, "A cholesky_inv = I");
      auto ai_u = matmul_ref(v.data() + b * n * n, inv_u.data() + b * n * n, n, n, n);
      expect_near(ai_u.data(), identity_ref(n).data(), n * n, tol, "A cholesky_inv(upper) = I");
    }
  }
}

TEST(LinalgCholesky, ReadsOneTriangleAndRejectsIndefinite) {
  const int n = 4;
  auto a = spd(n, 5);
  Values junk_upper = a;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      junk_upper[i * n + j] = 100.0 + i + j;
    }
  }
  auto want = read(linalg::cholesky(make(a, {n, n})));
  auto got = read(linalg::cholesky(make(junk_upper, {n, n})));
  expect_near(got.data(), want.data(), want.size(), 0.0, "only the lower triangle is read");

  Values indefinite = {1, 2, 2, 1};
  auto c = linalg::cholesky(make(indefinite, {2, 2}));
  EXPECT_THROW(eval(c), std::runtime_error);
  EXPECT_THROW(linalg::cholesky(zeros({2, 3})), std::invalid_argument);
  EXPECT_THROW(linalg::cholesky(zeros({2, 2}, int32)), std::invalid_argument);
  EXPECT_THROW(linalg::cholesky_inv(zeros({2, 3})), std::invalid_argument);
}

TEST(LinalgPinv, MoorePenroseConditions) {
  for (Dtype t : kFloatTypes) {
    for (auto [m, n] : {std::pair{6, 4}, std::pair{3, 5}}) {
      auto v = random_values(m * n, m + 3 * n);
      auto p = read(linalg::pinv(make(v, {m, n}, t)));
      auto apa = matmul_ref(matmul_ref(v.data(), p.data(), m, n, m).data(), v.data(), m, m, n);
      expect_near(apa.data(), v.data(), m * n, tol_for(t) * 10, "A pinv(A) A = A");
      auto pap = matmul_ref(matmul_ref(p.data(), v.data(), n, m, n).data(), p.data(), n, n, m);
      expect_near(pap.data(), p.data(), m * n, tol_for(t) * 10, "pinv(A) A pinv(A) = pinv(A)");
    }
  }
  // Rank one: the pseudo-inverse of x y^T is y x^T / (|x|^2 |y|^2).
  Values rank1 = {1, 2, 2, 4, 3, 6};
  auto p = read(linalg::pinv(make(rank1, {3, 2})));
  Values want = {1, 2, 3, 2, 4, 6};
  for (auto& w : want) {
    w /= 14.0 * 5.0;
  }
  expect_near(p.data(), want.data(), 6, 1e-12, "rank-one pinv");
  EXPECT_EQ(linalg::pinv(zeros({2, 0, 3})).shape(), (Shape{2, 3, 0}));
  EXPECT_THROW(linalg::pinv(zeros({3})), std::invalid_argument);
  EXPECT_THROW(linalg::pinv(zeros({3, 3}, int32)), std::invalid_argument);
}

TEST(LinalgLu, PermutedFactorsReconstruct) {
  for (Dtype t : kFloatTypes) {
    for (auto [m, n] : {std::pair{4, 4}, std::pair{5, 3}, std::pair{3, 5}}) {
      const int k = std::min(m, n), batch = 2;
      auto v = random_values(batch * m * n, 50 + m * n);
      auto plu = linalg::lu(make(v, {batch, m, n}, t));
      ASSERT_EQ(plu.size(), 3u);
      EXPECT_EQ(plu[0].dtype(), uint32);
      EXPECT_EQ(plu[0].shape(), (Shape{batch, m}));
      EXPECT_EQ(plu[1].shape(), (Shape{batch, m, k}));
      EXPECT_EQ(plu[2].shape(), (Shape{batch, k, n}));
      auto perm = read(plu[0]), l = read(plu[1]), u = read(plu[2]);
      for (int b = 0; b < batch; ++b) {
        const double* lb = l.data() + b * m * k;
        const double* ub = u.data() + b * k * n;
        auto prod = matmul_ref(lb, ub, m, k, n);
        for (int i = 0; i < m; ++i) {
          int row = static_cast<int>(perm[b * m + i]);
          // A = L[P, :] @ U: row i of A is row P[i] of L U.
          expect_near(prod.data() + row * n, v.data() + b * m * n + i * n, n, tol_for(t),
                      "A = L[P] U");
          for (int j = i; j < k; ++j) {
            EXPECT_EQ(lb[i * k + j], i == j ? 1.0 : 0.0) << "L is unit lower triangular";
          }
        }
        for (int i = 0; i < k; ++i) {
          for (int j = 0; j < i; ++j) {
            EXPECT_EQ(ub[i * n + j], 0.0);
          }
        }
      }
      auto [packed, pivots] = linalg::lu_factor(make(v, {batch, m, n}, t));
      EXPECT_EQ(pivots.shape(), (Shape{batch, k}));
      EXPECT_EQ(pivots.dtype(), uint32);
      auto pv = read(pivots);
      for (int j = 0; j < k; ++j) {
        EXPECT_GE(pv[j], j) << "LAPACK pivots swap row j with a row at or below it";
        EXPECT_LT(pv[j], m);
      }
      // The packed factors hold U on and above the diagonal.
      auto packed_v = read(packed);
      for (int i = 0; i < k; ++i) {
        for (int j = i; j < n; ++j) {
          EXPECT_EQ(packed_v[i * n + j], u[i * n + j]);
        }
      }
    }
  }
  EXPECT_THROW(linalg::lu(zeros({3})), std::invalid_argument);
  EXPECT_THROW(linalg::lu_factor(zeros({3, 3}, int32)), std::invalid_argument);
}
