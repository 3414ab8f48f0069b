// Shared pieces of the LAPACK-backed linalg kernels: reading each matrix of a batch (any
// strides) into a column-major work buffer, writing results back row-major, and running the
// matrices of a batch in parallel.
#pragma once

#include <complex>
#include <cstdint>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "mlx/array.h"

#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

// The matrices (last two axes) of an array, read one at a time.
class MatrixBatch {
public:
  explicit MatrixBatch(const array& a);

  int64_t count() const { return count_; }
  int rows() const { return rows_; }
  int cols() const { return cols_; }

  // Copies matrix b into the column-major dst with leading dimension ld >= rows.
  template <typename T>
  void load_col_major(int64_t b, T* dst, int64_t ld) const {
    const T* src = a_.data<T>() + matrix_offset(b);
    for (int c = 0; c < cols_; ++c) {
      for (int r = 0; r < rows_; ++r) {
        dst[c * ld + r] = src[r * row_stride_ + c * col_stride_];
      }
    }
  }

private:
  int64_t matrix_offset(int64_t b) const;

  array a_;
  Shape batch_shape_;
  Strides batch_strides_;
  int64_t count_;
  int rows_;
  int cols_;
  int64_t row_stride_;
  int64_t col_stride_;
};

// Writes the column-major rows x cols matrix src (leading dimension ld) to the row-major dst.
template <typename T>
void store_row_major(const T* src, int64_t ld, int rows, int cols, T* dst) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      dst[r * cols + c] = src[c * ld + r];
    }
  }
}

// LAPACK's leading dimension for `rows` rows (at least 1, even for empty matrices).
inline int lapack_ld(int rows) {
  return rows > 0 ? rows : 1;
}

// Calls fn(begin, end) over the matrices [0, count): a single matrix gets OpenBLAS's own
// threads; several are split across our pool with each LAPACK call single-threaded.
// `flops` (per matrix) sets how many small matrices a task takes.
void for_each_matrix(int64_t count, double flops, const std::function<void(int64_t, int64_t)>& fn);

// Dispatches float32 / float64, the types LAPACK computes in (the ops cast to them).
template <typename F>
void dispatch_lapack_types(Dtype dtype, const char* op, F&& f) {
  if (dtype == float32) {
    f(type_tag<float>{});
  } else if (dtype == float64) {
    f(type_tag<double>{});
  } else {
    std::ostringstream msg;
    msg << op << " Unsupported dtype " << dtype << " (float32 or float64 expected).";
    throw std::runtime_error(msg.str());
  }
}

// dispatch_lapack_types, and complex64 as std::complex<float> (svd, eigh and eig take it).
template <typename F>
void dispatch_lapack_types_and_complex(Dtype dtype, const char* op, F&& f) {
  if (dtype == complex64) {
    f(type_tag<std::complex<float>>{});
  } else {
    dispatch_lapack_types(dtype, op, std::forward<F>(f));
  }
}

// The real type of a LAPACK element type (float for std::complex<float>).
template <typename T>
struct real_of {
  using type = T;
};
template <typename T>
struct real_of<std::complex<T>> {
  using type = T;
};
template <typename T>
using real_t = typename real_of<T>::type;

template <typename T>
constexpr bool is_std_complex_v = !std::is_same_v<T, real_t<T>>;

// A failure found while computing ("[op] message"), e.g. a singular matrix.
template <typename... Parts>
[[noreturn]] void linalg_failure(const char* op, const Parts&... parts) {
  std::ostringstream msg;
  msg << op << " ";
  (msg << ... << parts);
  throw std::runtime_error(msg.str());
}

// Fails on LAPACK's "illegal argument" code (info < 0), which would be a bug of ours.
void check_lapack_arguments(const char* op, const char* routine, int info);

} // namespace mlx::core::cpu
