// LU, QR and Cholesky factorizations, inverses and determinants with LAPACK: each matrix is
// copied column-major into a work buffer, factored in place and written back row-major.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "backend/cpu/lapack.h"
#include "backend/cpu/linalg_common.h"
#include "core/primitives/linalg.h"

namespace mlx::core {

namespace {

using cpu::lapack_ld;
using cpu::MatrixBatch;
using cpu::lapack::Int;

double cube(int n) {
  return static_cast<double>(n) * n * n;
}

// Zeroes the strictly upper (keep_upper = false) or strictly lower part of a column-major
// n x n matrix.
template <typename T>
void clear_triangle(T* a, int n, int ld, bool keep_upper) {
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < n; ++r) {
      if (keep_upper ? r > c : r < c) {
        a[c * ld + r] = T(0);
      }
    }
  }
}

// The workspace size a LAPACK query (lwork = -1) wrote into `query`.
template <typename T>
Int workspace_size(T query) {
  return std::max<Int>(1, static_cast<Int>(query));
}

void allocate(std::vector<array>& outputs) {
  for (auto& out : outputs) {
    out.set_data(allocator::malloc(out.nbytes()));
  }
}

} // namespace

void LUF::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int m = batch.rows(), n = batch.cols(), k = std::min(m, n), ld = lapack_ld(m);
  allocate(outputs);
  cpu::dispatch_lapack_types(inputs[0].dtype(), "[linalg::lu]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* lu = outputs[0].data<T>();
    uint32_t* pivots = outputs[1].data<uint32_t>();
    uint32_t* row_indices = outputs[2].data<uint32_t>();
    cpu::for_each_matrix(batch.count(), cube(k), [&](int64_t lo, int64_t hi) {
      std::vector<T> work(static_cast<size_t>(ld) * std::max(n, 1));
      std::vector<Int> ipiv(std::max(k, 1));
      std::vector<uint32_t> perm(m);
      for (int64_t b = lo; b < hi; ++b) {
        batch.load_col_major(b, work.data(), ld);
        Int info = 0;
        cpu::lapack::getrf(m, n, work.data(), ld, ipiv.data(), &info);
        // info > 0 (an exact zero in U) still is a valid factorization, as in MLX and SciPy.
        cpu::check_lapack_arguments("[linalg::lu]", "getrf", info);
        cpu::store_row_major(work.data(), ld, m, n, lu + b * m * n);
        // Apply the row swaps to the identity: row i of L U is row perm[i] of A.
        std::iota(perm.begin(), perm.end(), 0u);
        for (int j = 0; j < k; ++j) {
          pivots[b * k + j] = static_cast<uint32_t>(ipiv[j] - 1);
          std::swap(perm[j], perm[ipiv[j] - 1]);
        }
        for (int i = 0; i < m; ++i) {
          row_indices[b * m + perm[i]] = static_cast<uint32_t>(i);
        }
      }
    });
  });
}

void QRF::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int m = batch.rows(), n = batch.cols(), k = std::min(m, n), ld = lapack_ld(m);
  allocate(outputs);
  if (k == 0) {
    return; // Q is m x 0 and R is 0 x n: nothing to write.
  }
  cpu::dispatch_lapack_types(inputs[0].dtype(), "[linalg::qr]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* q = outputs[0].data<T>();
    T* r = outputs[1].data<T>();
    Int info = 0;
    T query_qr = 0, query_q = 0;
    cpu::lapack::geqrf(m, n, nullptr, ld, nullptr, &query_qr, -1, &info);
    cpu::lapack::orgqr(m, k, k, nullptr, ld, nullptr, &query_q, -1, &info);
    const Int lwork = std::max(workspace_size(query_qr), workspace_size(query_q));
    cpu::for_each_matrix(batch.count(), 2.0 * cube(k), [&](int64_t lo, int64_t hi) {
      std::vector<T> work(static_cast<size_t>(ld) * n), tau(k), scratch(lwork);
      for (int64_t b = lo; b < hi; ++b) {
        batch.load_col_major(b, work.data(), ld);
        Int status = 0;
        cpu::lapack::geqrf(m, n, work.data(), ld, tau.data(), scratch.data(), lwork, &status);
        cpu::check_lapack_arguments("[linalg::qr]", "geqrf", status);
        T* rb = r + b * k * n;
        for (int i = 0; i < k; ++i) {
          for (int j = 0; j < n; ++j) {
            rb[i * n + j] = j >= i ? work[j * ld + i] : T(0);
          }
        }
        cpu::lapack::orgqr(m, k, k, work.data(), ld, tau.data(), scratch.data(), lwork, &status);
        cpu::check_lapack_arguments("[linalg::qr]", "orgqr", status);
        cpu::store_row_major(work.data(), ld, m, k, q + b * m * k);
      }
    });
  });
}

void Cholesky::eval_cpu(const std::vector<array>& inputs, array& out) {
  MatrixBatch batch(inputs[0]);
  const int n = batch.rows(), ld = lapack_ld(n);
  out.set_data(allocator::malloc(out.nbytes()));
  cpu::dispatch_lapack_types(inputs[0].dtype(), "[linalg::cholesky]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* dst = out.data<T>();
    cpu::for_each_matrix(batch.count(), cube(n) / 3, [&](int64_t lo, int64_t hi) {
      std::vector<T> work(static_cast<size_t>(ld) * n);
      for (int64_t b = lo; b < hi; ++b) {
        batch.load_col_major(b, work.data(), ld);
        Int info = 0;
        cpu::lapack::potrf(upper_ ? 'U' : 'L', n, work.data(), ld, &info);
        cpu::check_lapack_arguments("[linalg::cholesky]", "potrf", info);
        if (info > 0) {
          cpu::linalg_failure("[linalg::cholesky]", "The matrix is not positive definite (the ",
                              "leading minor of order ", info, " is not positive).");
        }
        clear_triangle(work.data(), n, ld, upper_);
        cpu::store_row_major(work.data(), ld, n, n, dst + b * n * n);
      }
    });
  });
}

void Inverse::eval_cpu(const std::vector<array>& inputs, array& out) {
  MatrixBatch batch(inputs[0]);
  const int n = batch.rows(), ld = lapack_ld(n);
  const char* op = tri_ ? "[linalg::tri_inv]" : "[linalg::inv]";
  out.set_data(allocator::malloc(out.nbytes()));
  cpu::dispatch_lapack_types(inputs[0].dtype(), op, [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* dst = out.data<T>();
    Int lwork = 1;
    if (!tri_) {
      Int info = 0;
      T query = 0;
      cpu::lapack::getri(n, nullptr, ld, nullptr, &query, -1, &info);
      lwork = workspace_size(query);
    }
    cpu::for_each_matrix(
        batch.count(), tri_ ? cube(n) / 3 : 2.0 * cube(n), [&](int64_t lo, int64_t hi) {
          std::vector<T> work(static_cast<size_t>(ld) * n), scratch(lwork);
          std::vector<Int> ipiv(std::max(n, 1));
          for (int64_t b = lo; b < hi; ++b) {
            batch.load_col_major(b, work.data(), ld);
            Int info = 0;
            if (tri_) {
              clear_triangle(work.data(), n, ld, upper_);
              cpu::lapack::trtri(upper_ ? 'U' : 'L', n, work.data(), ld, &info);
              cpu::check_lapack_arguments(op, "trtri", info);
            } else {
              cpu::lapack::getrf(n, n, work.data(), ld, ipiv.data(), &info);
              cpu::check_lapack_arguments(op, "getrf", info);
              if (info == 0) {
                cpu::lapack::getri(n, work.data(), ld, ipiv.data(), scratch.data(), lwork, &info);
                cpu::check_lapack_arguments(op, "getri", info);
              }
            }
            if (info > 0) {
              cpu::linalg_failure(op, "The matrix is singular (a zero pivot at row ", info, ").");
            }
            cpu::store_row_major(work.data(), ld, n, n, dst + b * n * n);
          }
        });
  });
}

void Determinant::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int n = batch.rows(), ld = lapack_ld(n);
  allocate(outputs);
  cpu::dispatch_lapack_types(
      inputs[0].dtype(), log_abs_ ? "[linalg::slogdet]" : "[linalg::det]", [&](auto tag) {
        using T = tag_type_t<decltype(tag)>;
        T* first = outputs[0].data<T>();
        T* log_abs = log_abs_ ? outputs[1].data<T>() : nullptr;
        cpu::for_each_matrix(batch.count(), cube(n), [&](int64_t lo, int64_t hi) {
          std::vector<T> work(static_cast<size_t>(ld) * n);
          std::vector<Int> ipiv(std::max(n, 1));
          for (int64_t b = lo; b < hi; ++b) {
            batch.load_col_major(b, work.data(), ld);
            Int info = 0;
            cpu::lapack::getrf(n, n, work.data(), ld, ipiv.data(), &info);
            cpu::check_lapack_arguments("[linalg::det]", "getrf", info);
            // det = (-1)^swaps prod(diag U), the product kept as mantissa and binary exponent so
            // that it neither overflows nor underflows on the way.
            double sign = 1.0, mantissa = 1.0;
            int64_t exponent = 0;
            for (int i = 0; i < n; ++i) {
              double u = work[i * ld + i];
              if (ipiv[i] != i + 1) {
                sign = -sign;
              }
              if (u < 0) {
                sign = -sign;
              }
              int e = 0;
              mantissa = std::frexp(mantissa * std::abs(u), &e);
              exponent += e;
            }
            if (mantissa == 0.0) {
              sign = 0.0;
            }
            if (log_abs_) {
              first[b] = static_cast<T>(sign);
              log_abs[b] =
                  static_cast<T>(mantissa == 0.0 ? -std::numeric_limits<double>::infinity()
                                                 : std::log(mantissa) + exponent * std::log(2.0));
            } else {
              auto e = static_cast<int>(std::clamp<int64_t>(exponent, -100000, 100000));
              first[b] = static_cast<T>(sign * std::ldexp(mantissa, e));
            }
          }
        });
      });
}

} // namespace mlx::core
