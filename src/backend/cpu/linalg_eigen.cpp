// Singular values and eigen-decompositions with LAPACK (gesdd with a gesvd fallback, syevd /
// heevd, geev), for float32, float64 and complex64. These iterate: a matrix with a NaN or an
// infinity gets NaN results instead of being handed to LAPACK, and a failure to converge
// throws.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "backend/cpu/lapack.h"
#include "backend/cpu/linalg_common.h"
#include "core/primitives/linalg.h"

namespace mlx::core {

namespace {

using cpu::is_std_complex_v;
using cpu::lapack_ld;
using cpu::MatrixBatch;
using cpu::real_t;
using cpu::lapack::Int;

double cube(int n) {
  return static_cast<double>(n) * n * n;
}

// The workspace size a LAPACK query (lwork = -1) wrote into `query`.
template <typename T>
Int workspace_size(T query) {
  return std::max<Int>(1, static_cast<Int>(std::real(query)));
}

template <typename T>
bool is_finite(T v) {
  if constexpr (is_std_complex_v<T>) {
    return std::isfinite(v.real()) && std::isfinite(v.imag());
  } else {
    return std::isfinite(v);
  }
}

template <typename T>
T nan_value() {
  constexpr auto nan = std::numeric_limits<real_t<T>>::quiet_NaN();
  if constexpr (is_std_complex_v<T>) {
    return T(nan, nan);
  } else {
    return nan;
  }
}

// Whether the column-major rows x cols matrix (only its lower or upper triangle with
// `triangle` = 'L' / 'U') is all finite.
template <typename T>
bool all_finite(const T* a, int rows, int cols, int ld, char triangle = 'A') {
  for (int c = 0; c < cols; ++c) {
    for (int r = 0; r < rows; ++r) {
      bool used = triangle == 'A' || (triangle == 'L' ? r >= c : r <= c);
      if (used && !is_finite(a[c * ld + r])) {
        return false;
      }
    }
  }
  return true;
}

template <typename T>
void fill_nan(T* p, int64_t count) {
  std::fill(p, p + count, nan_value<T>());
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

// Real workspace of the complex SVD routines (LAPACK's bounds for gesdd, which cover gesvd's).
int64_t svd_rwork_size(int m, int n, bool vectors) {
  const int64_t mn = std::min(m, n), mx = std::max(m, n);
  if (!vectors) {
    return std::max<int64_t>(1, 7 * mn);
  }
  return std::max<int64_t>(1, mn * std::max(5 * mn + 7, 2 * mx + 2 * mn + 1));
}

// One SVD with gesdd, or with gesvd when gesdd does not converge. a is destroyed; u and vt may
// be null (values only). Returns LAPACK's info of the last attempt.
template <typename T>
Int svd_one(const MatrixBatch& batch, int64_t b, T* a, real_t<T>* s, T* u, T* vt,
            std::vector<T>& work, std::vector<real_t<T>>& rwork, std::vector<Int>& iwork) {
  const int m = batch.rows(), n = batch.cols();
  const int ld = lapack_ld(m);
  const char job = u ? 'A' : 'N';
  Int info = 0;
  cpu::lapack::gesdd(job, m, n, a, ld, s, u, lapack_ld(m), vt, lapack_ld(n), work.data(),
                     static_cast<Int>(work.size()), rwork.data(), iwork.data(), &info);
  cpu::check_lapack_arguments("[linalg::svd]", "gesdd", info);
  if (info == 0) {
    return 0;
  }
  batch.load_col_major(b, a, ld);
  T query = 0;
  cpu::lapack::gesvd(job, m, n, a, ld, s, u, lapack_ld(m), vt, lapack_ld(n), &query, -1,
                     rwork.data(), &info);
  work.resize(std::max<size_t>(work.size(), workspace_size(query)));
  cpu::lapack::gesvd(job, m, n, a, ld, s, u, lapack_ld(m), vt, lapack_ld(n), work.data(),
                     static_cast<Int>(work.size()), rwork.data(), &info);
  cpu::check_lapack_arguments("[linalg::svd]", "gesvd", info);
  return info;
}

} // namespace

void SVD::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int m = batch.rows(), n = batch.cols(), k = std::min(m, n), ld = lapack_ld(m);
  allocate(outputs);
  cpu::dispatch_lapack_types_and_complex(inputs[0].dtype(), "[linalg::svd]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    using R = real_t<T>;
    R* s_out = outputs[compute_uv_ ? 1 : 0].data<R>();
    T* u_out = compute_uv_ ? outputs[0].data<T>() : nullptr;
    T* vt_out = compute_uv_ ? outputs[2].data<T>() : nullptr;
    const char job = compute_uv_ ? 'A' : 'N';
    Int info = 0;
    T query = 0;
    Int iquery = 0;
    R rquery = 0;
    cpu::lapack::gesdd(job, m, n, nullptr, ld, nullptr, nullptr, lapack_ld(m), nullptr,
                       lapack_ld(n), &query, -1, &rquery, &iquery, &info);
    const Int lwork = workspace_size(query);
    const int64_t rwork_size = is_std_complex_v<T> ? svd_rwork_size(m, n, compute_uv_) : 0;
    cpu::for_each_matrix(batch.count(), 4.0 * cube(std::max(m, n)), [&](int64_t lo, int64_t hi) {
      std::vector<T> a(static_cast<size_t>(ld) * std::max(n, 1));
      std::vector<R> s(std::max(k, 1)), rwork(rwork_size);
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
                             compute_uv_ ? vt.data() : nullptr, work, rwork, iwork);
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
  cpu::dispatch_lapack_types_and_complex(inputs[0].dtype(), "[linalg::eigh]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    using R = real_t<T>;
    R* values = outputs[0].data<R>();
    T* vectors = compute_eigenvectors_ ? outputs[1].data<T>() : nullptr;
    Int info = 0, iquery = 0;
    T query = 0;
    R rquery = 1;
    cpu::lapack::syevd(job, uplo, n, nullptr, ld, nullptr, &query, -1, &rquery, -1, &iquery, -1,
                       &info);
    const Int lwork = workspace_size(query), liwork = std::max<Int>(1, iquery);
    const Int lrwork = workspace_size(rquery);
    cpu::for_each_matrix(batch.count(), 9.0 * cube(n), [&](int64_t lo, int64_t hi) {
      std::vector<T> a(static_cast<size_t>(ld) * n), work(lwork);
      std::vector<R> w(std::max(n, 1)), rwork(is_std_complex_v<T> ? lrwork : 0);
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
        cpu::lapack::syevd(job, uplo, n, a.data(), ld, w.data(), work.data(), lwork, rwork.data(),
                           lrwork, iwork.data(), liwork, &status);
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

namespace {

using ComplexFloat = std::complex<float>;

// geev of one matrix a (column-major, destroyed) into values[n] and, if given, the vectors
// (columns of the row-major vectors[n, n]), as complex64. Returns LAPACK's info.
template <typename T>
Int eig_one(T* a, int n, ComplexFloat* values, ComplexFloat* vectors, std::vector<T>& wr,
            std::vector<T>& wi, std::vector<T>& vr, std::vector<T>& work) {
  const int ld = lapack_ld(n);
  Int info = 0;
  cpu::lapack::geev(vectors ? 'V' : 'N', n, a, ld, wr.data(), wi.data(), vr.data(), ld, work.data(),
                    static_cast<Int>(work.size()), &info);
  cpu::check_lapack_arguments("[linalg::eig]", "geev", info);
  if (info != 0) {
    return info;
  }
  for (int j = 0; j < n; ++j) {
    values[j] = ComplexFloat(static_cast<float>(wr[j]), static_cast<float>(wi[j]));
  }
  if (!vectors) {
    return 0;
  }
  // A complex pair (wi[j] > 0, then its conjugate) stores v_j = vr[:, j] + i vr[:, j + 1].
  for (int j = 0; j < n; ++j) {
    const T* re = vr.data() + static_cast<size_t>(j) * ld;
    if (wi[j] == T(0) || j + 1 == n) {
      for (int r = 0; r < n; ++r) {
        vectors[r * n + j] = ComplexFloat(static_cast<float>(re[r]), 0.0f);
      }
      continue;
    }
    const T* im = re + ld;
    for (int r = 0; r < n; ++r) {
      vectors[r * n + j] = ComplexFloat(static_cast<float>(re[r]), static_cast<float>(im[r]));
      vectors[r * n + j + 1] = std::conj(vectors[r * n + j]);
    }
    ++j;
  }
  return 0;
}

Int eig_one(ComplexFloat* a, int n, ComplexFloat* values, ComplexFloat* vectors,
            std::vector<float>& rwork, std::vector<ComplexFloat>& vr,
            std::vector<ComplexFloat>& work) {
  const int ld = lapack_ld(n);
  Int info = 0;
  cpu::lapack::geev(vectors ? 'V' : 'N', n, a, ld, values, vr.data(), ld, work.data(),
                    static_cast<Int>(work.size()), rwork.data(), &info);
  cpu::check_lapack_arguments("[linalg::eig]", "geev", info);
  if (info == 0 && vectors) {
    cpu::store_row_major(vr.data(), ld, n, n, vectors);
  }
  return info;
}

} // namespace

void Eig::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  MatrixBatch batch(inputs[0]);
  const int n = batch.rows(), ld = lapack_ld(n);
  const char job = compute_eigenvectors_ ? 'V' : 'N';
  allocate(outputs);
  auto* values = outputs[0].data<ComplexFloat>();
  auto* vectors = compute_eigenvectors_ ? outputs[1].data<ComplexFloat>() : nullptr;
  cpu::dispatch_lapack_types_and_complex(inputs[0].dtype(), "[linalg::eig]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    Int info = 0;
    T query = 0;
    if constexpr (is_std_complex_v<T>) {
      float rquery = 0;
      cpu::lapack::geev(job, n, nullptr, ld, nullptr, nullptr, ld, &query, -1, &rquery, &info);
    } else {
      cpu::lapack::geev(job, n, nullptr, ld, nullptr, nullptr, nullptr, ld, &query, -1, &info);
    }
    const Int lwork = workspace_size(query);
    cpu::for_each_matrix(batch.count(), 25.0 * cube(n), [&](int64_t lo, int64_t hi) {
      std::vector<T> a(static_cast<size_t>(ld) * n), work(lwork);
      std::vector<T> vr(compute_eigenvectors_ ? static_cast<size_t>(ld) * n : 1);
      // Real input: wr and wi; complex input: LAPACK's real workspace (2n) in the first.
      std::vector<real_t<T>> wr(std::max(2 * n, 1)), wi(std::max(n, 1));
      for (int64_t b = lo; b < hi; ++b) {
        ComplexFloat* vals = values + b * n;
        ComplexFloat* vecs = vectors ? vectors + b * n * n : nullptr;
        batch.load_col_major(b, a.data(), ld);
        if (!all_finite(a.data(), n, n, ld)) {
          fill_nan(vals, n);
          if (vecs) {
            fill_nan(vecs, static_cast<int64_t>(n) * n);
          }
          continue;
        }
        Int status = 0;
        if constexpr (is_std_complex_v<T>) {
          status = eig_one(a.data(), n, vals, vecs, wr, vr, work);
        } else {
          status = eig_one(a.data(), n, vals, vecs, wr, wi, vr, work);
        }
        if (status > 0) {
          cpu::linalg_failure("[linalg::eig]", "The eigenvalue algorithm did not converge.");
        }
      }
    });
  });
}

} // namespace mlx::core
