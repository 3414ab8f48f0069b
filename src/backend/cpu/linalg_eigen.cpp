// Singular values and eigen-decompositions with LAPACK (gesdd with a gesvd fallback, syevd,
// geev). These iterate; a matrix with a NaN or infinity gets NaN results instead of being
// handed to LAPACK, and a failure to converge throws.
#include <algorithm>
#include <cmath>
#include <limits>
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

template <typename T>
Int workspace_size(T query) {
  return std::max<Int>(1, static_cast<Int>(query));
}

// Whether the column-major rows x cols matrix (only its lower or upper triangle with
// `triangle` = 'L' / 'U') is all finite.
template <typename T>
bool all_finite(const T* a, int rows, int cols, int ld, char triangle = 'A') {
  for (int c = 0; c < cols; ++c) {
    for (int r = 0; r < rows; ++r) {
      bool used = triangle == 'A' || (triangle == 'L' ? r >= c : r <= c);
      if (used && !std::isfinite(a[c * ld + r])) {
        return false;
      }
    }
  }
  return true;
}

template <typename T>
void fill_nan(T* p, int64_t count) {
  std::fill(p, p + count, std::numeric_limits<T>::quiet_NaN());
}

template <typename T>
void set_identity(T* a, int n) {
  std::fill(a, a + static_cast<int64_t>(n) * n, T(0));
  for (int i = 0; i < n; ++i) {
    a[static_cast<int64_t>(i) * n + i] = T(1);
  }
}

void allocate(std::vector<array>& outputs) {
  for (auto& out : outputs) {
    out.set_data(allocator::malloc(out.nbytes()));
  }
}

// One SVD with gesdd, or with gesvd when gesdd does not converge. a is destroyed; u and vt may
// be null (values only). Returns LAPACK's info of the last attempt.
template <typename T>
Int svd_one(const MatrixBatch& batch, int64_t b, T* a, T* s, T* u, T* vt, std::vector<T>& work,
            std::vector<Int>& iwork) {
  const int m = batch.rows(), n = batch.cols();
  const int ld = lapack_ld(m);
  const char job = u ? 'A' : 'N';
  Int info = 0;
  cpu::lapack::gesdd(job, m, n, a, ld, s, u, lapack_ld(m), vt, lapack_ld(n), work.data(),
                     static_cast<Int>(work.size()), iwork.data(), &info);
  cpu::check_lapack_arguments("[linalg::svd]", "gesdd", info);
  if (info == 0) {
    return 0;
  }
  batch.load_col_major(b, a, ld);
  T query = 0;
  cpu::lapack::gesvd(job, m, n, a, ld, s, u, lapack_ld(m), vt, lapack_ld(n), &query, -1, &info);
  work.resize(std::max<size_t>(work.size(), workspace_size(query)));
  cpu::lapack::gesvd(job, m, n, a, ld, s, u, lapack_ld(m), vt, lapack_ld(n), work.data(),
                     static_cast<Int>(work.size()), &info);
  cpu::check_lapack_arguments("[linalg::svd]", "gesvd", info);
  return info;
}

} // namespace

void SVD::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int m = batch.rows(), n = batch.cols(), k = std::min(m, n), ld = lapack_ld(m);
  allocate(outputs);
  cpu::dispatch_lapack_types(inputs[0].dtype(), "[linalg::svd]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* s_out = outputs[compute_uv_ ? 1 : 0].data<T>();
    T* u_out = compute_uv_ ? outputs[0].data<T>() : nullptr;
    T* vt_out = compute_uv_ ? outputs[2].data<T>() : nullptr;
    const char job = compute_uv_ ? 'A' : 'N';
    Int info = 0;
    T query = 0;
    Int iquery = 0;
    cpu::lapack::gesdd(job, m, n, nullptr, ld, nullptr, nullptr, lapack_ld(m), nullptr,
                       lapack_ld(n), &query, -1, &iquery, &info);
    const Int lwork = workspace_size(query);
    cpu::for_each_matrix(batch.count(), 4.0 * cube(std::max(m, n)), [&](int64_t lo, int64_t hi) {
      std::vector<T> a(static_cast<size_t>(ld) * std::max(n, 1)), s(std::max(k, 1));
      std::vector<T> u(compute_uv_ ? static_cast<size_t>(m) * m : 0);
      std::vector<T> vt(compute_uv_ ? static_cast<size_t>(n) * n : 0);
      std::vector<T> work(lwork);
      std::vector<Int> iwork(8 * std::max(k, 1));
      for (int64_t b = lo; b < hi; ++b) {
        T* ub = compute_uv_ ? u_out + b * m * m : nullptr;
        T* vtb = compute_uv_ ? vt_out + b * n * n : nullptr;
        if (k == 0) {
          // No singular values; the square factors of an empty matrix are identities.
          if (compute_uv_) {
            set_identity(ub, m);
            set_identity(vtb, n);
          }
          continue;
        }
        batch.load_col_major(b, a.data(), ld);
        if (!all_finite(a.data(), m, n, ld)) {
          fill_nan(s_out + b * k, k);
          if (compute_uv_) {
            fill_nan(ub, static_cast<int64_t>(m) * m);
            fill_nan(vtb, static_cast<int64_t>(n) * n);
          }
          continue;
        }
        Int status = svd_one(batch, b, a.data(), s.data(), compute_uv_ ? u.data() : nullptr,
                             compute_uv_ ? vt.data() : nullptr, work, iwork);
        if (status > 0) {
          cpu::linalg_failure("[linalg::svd]", "The SVD did not converge.");
        }
        std::copy(s.begin(), s.begin() + k, s_out + b * k);
        if (compute_uv_) {
          cpu::store_row_major(u.data(), lapack_ld(m), m, m, ub);
          cpu::store_row_major(vt.data(), lapack_ld(n), n, n, vtb);
        }
      }
    });
  });
}

void Eigh::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int n = batch.rows(), ld = lapack_ld(n);
  const char uplo = uplo_ == "U" ? 'U' : 'L';
  const char job = compute_eigenvectors_ ? 'V' : 'N';
  allocate(outputs);
  cpu::dispatch_lapack_types(inputs[0].dtype(), "[linalg::eigh]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* values = outputs[0].data<T>();
    T* vectors = compute_eigenvectors_ ? outputs[1].data<T>() : nullptr;
    Int info = 0, iquery = 0;
    T query = 0;
    cpu::lapack::syevd(job, uplo, n, nullptr, ld, nullptr, &query, -1, &iquery, -1, &info);
    const Int lwork = workspace_size(query), liwork = std::max<Int>(1, iquery);
    cpu::for_each_matrix(batch.count(), 9.0 * cube(n), [&](int64_t lo, int64_t hi) {
      std::vector<T> a(static_cast<size_t>(ld) * n), w(std::max(n, 1)), work(lwork);
      std::vector<Int> iwork(liwork);
      for (int64_t b = lo; b < hi; ++b) {
        batch.load_col_major(b, a.data(), ld);
        if (!all_finite(a.data(), n, n, ld, uplo)) {
          fill_nan(values + b * n, n);
          if (vectors) {
            fill_nan(vectors + b * n * n, static_cast<int64_t>(n) * n);
          }
          continue;
        }
        Int status = 0;
        cpu::lapack::syevd(job, uplo, n, a.data(), ld, w.data(), work.data(), lwork, iwork.data(),
                           liwork, &status);
        cpu::check_lapack_arguments("[linalg::eigh]", "syevd", status);
        if (status > 0) {
          cpu::linalg_failure("[linalg::eigh]", "The eigenvalue algorithm did not converge.");
        }
        std::copy(w.begin(), w.begin() + n, values + b * n);
        if (vectors) {
          cpu::store_row_major(a.data(), ld, n, n, vectors + b * n * n);
        }
      }
    });
  });
}

void Eig::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int n = batch.rows(), ld = lapack_ld(n);
  const char job = compute_eigenvectors_ ? 'V' : 'N';
  allocate(outputs);
  cpu::dispatch_lapack_types(inputs[0].dtype(), "[linalg::eig]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    complex64_t* values = outputs[0].data<complex64_t>();
    complex64_t* vectors = compute_eigenvectors_ ? outputs[1].data<complex64_t>() : nullptr;
    Int info = 0;
    T query = 0;
    cpu::lapack::geev(job, n, nullptr, ld, nullptr, nullptr, nullptr, ld, &query, -1, &info);
    const Int lwork = workspace_size(query);
    cpu::for_each_matrix(batch.count(), 25.0 * cube(n), [&](int64_t lo, int64_t hi) {
      std::vector<T> a(static_cast<size_t>(ld) * n), wr(std::max(n, 1)), wi(std::max(n, 1));
      std::vector<T> vr(compute_eigenvectors_ ? static_cast<size_t>(ld) * n : 1), work(lwork);
      for (int64_t b = lo; b < hi; ++b) {
        complex64_t* vals = values + b * n;
        complex64_t* vecs = vectors ? vectors + b * n * n : nullptr;
        batch.load_col_major(b, a.data(), ld);
        if (!all_finite(a.data(), n, n, ld)) {
          const float nan = std::numeric_limits<float>::quiet_NaN();
          std::fill(vals, vals + n, complex64_t(nan, nan));
          if (vecs) {
            std::fill(vecs, vecs + static_cast<int64_t>(n) * n, complex64_t(nan, nan));
          }
          continue;
        }
        Int status = 0;
        cpu::lapack::geev(job, n, a.data(), ld, wr.data(), wi.data(), vr.data(), ld, work.data(),
                          lwork, &status);
        cpu::check_lapack_arguments("[linalg::eig]", "geev", status);
        if (status > 0) {
          cpu::linalg_failure("[linalg::eig]", "The eigenvalue algorithm did not converge.");
        }
        for (int j = 0; j < n; ++j) {
          vals[j] = complex64_t(static_cast<float>(wr[j]), static_cast<float>(wi[j]));
        }
        if (!vecs) {
          continue;
        }
        // A complex pair (wi[j] > 0, then its conjugate) stores v_j = vr[:, j] + i vr[:, j + 1].
        for (int j = 0; j < n; ++j) {
          const T* re = vr.data() + static_cast<size_t>(j) * ld;
          if (wi[j] == T(0) || j + 1 == n) {
            for (int r = 0; r < n; ++r) {
              vecs[r * n + j] = complex64_t(static_cast<float>(re[r]), 0.0f);
            }
            continue;
          }
          const T* im = re + ld;
          for (int r = 0; r < n; ++r) {
            vecs[r * n + j] = complex64_t(static_cast<float>(re[r]), static_cast<float>(im[r]));
            vecs[r * n + j + 1] =
                complex64_t(static_cast<float>(re[r]), -static_cast<float>(im[r]));
          }
          ++j;
        }
      }
    });
  });
}

} // namespace mlx::core
