// mlx::core::linalg factorizations and solves: argument checks and graph nodes. The kernels are
// LAPACK on the CPU (src/backend/cpu/linalg_*.cpp); norms and cross are in linalg_norm.cpp.
#include "mlx/linalg.h"

#include <algorithm>

#include "core/ops/ops_common.h"
#include "core/primitives/linalg.h"

namespace mlx::core::linalg {

namespace {

// MLX runs linalg on the CPU only. With no stream (or a GPU one, for which there are no linalg
// kernels) the ops use the CPU's default stream; MLX itself throws for a GPU stream.
Stream cpu_stream(StreamOrDevice s) {
  if (auto* stream = std::get_if<Stream>(&s); stream && stream->device == Device::cpu) {
    return *stream;
  }
  return default_stream(Device::cpu);
}

void check_float(const char* op, const array& a) {
  if (a.dtype() != float32 && a.dtype() != float64) {
    throw op_error(op, "Arrays must have type float32 or float64. Received array with type ",
                   a.dtype(), ".");
  }
}

void check_matrix(const char* op, const array& a) {
  if (a.ndim() < 2) {
    throw op_error(op, "Arrays must have >= 2 dimensions. Received array with ", a.ndim(),
                   " dimensions.");
  }
}

void check_square(const char* op, const array& a) {
  check_matrix(op, a);
  if (a.shape(-1) != a.shape(-2)) {
    throw op_error(op, "Only defined for square matrices. Received array with shape ", a.shape(-2),
                   " x ", a.shape(-1), ".");
  }
}

Shape batch_shape(const array& a) {
  return Shape(a.shape().begin(), a.shape().end() - 2);
}

Shape with_matrix(Shape batch, int rows, int cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

array inv_impl(const char* op, const array& a, bool tri, bool upper, StreamOrDevice s) {
  check_float(op, a);
  check_square(op, a);
  return array(a.shape(), a.dtype(), std::make_shared<Inverse>(cpu_stream(s), tri, upper), {a});
}

// Checks shared by solve and solve_triangular; returns the dtype both inputs promote to.
Dtype check_solve(const char* op, const array& a, const array& b) {
  if (a.ndim() < 2) {
    throw op_error(op, "First input must have >= 2 dimensions. Received array with ", a.ndim(),
                   " dimensions.");
  }
  if (b.ndim() < 1) {
    throw op_error(op, "Second input must have >= 1 dimensions. Received array with ", b.ndim(),
                   " dimensions.");
  }
  if (a.shape(-1) != a.shape(-2)) {
    throw op_error(op, "First input must be a square matrix. Received array with shape ",
                   a.shape(-2), " x ", a.shape(-1), ".");
  }
  int rows_axis = b.ndim() > 1 ? -2 : -1;
  if (a.shape(-1) != b.shape(rows_axis)) {
    throw op_error(op, "Last dimension of the first input (", a.shape(-1),
                   ") must match the rows of the second (", b.shape(rows_axis), ").");
  }
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (t != float32 && t != float64) {
    throw op_error(op,
                   "Input arrays must promote to float32 or float64. Received arrays with "
                   "type ",
                   a.dtype(), " and ", b.dtype(), ".");
  }
  return t;
}

array solve_impl(const char* op, const array& a, const array& b, bool triangular, bool upper,
                 StreamOrDevice s) {
  Dtype t = check_solve(op, a, b);
  Stream stream = cpu_stream(s);
  // A 1-D b is one right-hand side; otherwise b is a stack of [N, K] matrices. Batch axes
  // broadcast.
  const bool vector = b.ndim() == 1;
  array rhs = vector ? expand_dims(b, -1, stream) : b;
  Shape batch = broadcast_shapes(batch_shape(a), batch_shape(rhs));
  const int n = a.shape(-1), k = rhs.shape(-1);
  array a_b = broadcast_to(astype(a, t, stream), with_matrix(batch, n, n), stream);
  array b_b = broadcast_to(astype(rhs, t, stream), with_matrix(batch, n, k), stream);
  array x(with_matrix(batch, n, k), t, std::make_shared<Solve>(stream, triangular, upper),
          {a_b, b_b});
  return vector ? squeeze(x, -1, stream) : x;
}

void check_float_or_complex(const char* op, const array& a) {
  if (a.dtype() != float32 && a.dtype() != float64 && a.dtype() != complex64) {
    throw op_error(op,
                   "Arrays must have type float32, float64 or complex64. Received array with "
                   "type ",
                   a.dtype(), ".");
  }
}

void check_eig(const char* op, const array& a) {
  check_float_or_complex(op, a);
  check_square(op, a);
}

// Singular values and Hermitian eigenvalues are real.
Dtype real_dtype(Dtype t) {
  return t == complex64 ? float32 : t;
}

// The compute dtype of det/slogdet (LAPACK's), and the result dtype (MLX's at_least_float).
std::pair<Dtype, Dtype> det_dtypes(const char* op, const array& a) {
  if (issubdtype(a.dtype(), complexfloating)) {
    throw op_error(op, "Complex inputs are not supported.");
  }
  check_square(op, a);
  Dtype out = at_least_float(a.dtype());
  return {out == float64 ? float64 : float32, out};
}

} // namespace

std::pair<array, array> qr(const array& a, StreamOrDevice s) {
  check_float("linalg::qr", a);
  check_matrix("linalg::qr", a);
  const int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  auto out =
      array::make_arrays({with_matrix(batch_shape(a), m, k), with_matrix(batch_shape(a), k, n)},
                         {a.dtype(), a.dtype()}, std::make_shared<QRF>(cpu_stream(s)), {a});
  return {out[0], out[1]};
}

std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s) {
  check_float_or_complex("linalg::svd", a);
  check_matrix("linalg::svd", a);
  const int m = a.shape(-2), n = a.shape(-1);
  Shape s_shape = batch_shape(a);
  s_shape.push_back(std::min(m, n));
  auto prim = std::make_shared<SVD>(cpu_stream(s), compute_uv);
  if (!compute_uv) {
    return {array(std::move(s_shape), real_dtype(a.dtype()), std::move(prim), {a})};
  }
  return array::make_arrays(
      {with_matrix(batch_shape(a), m, m), std::move(s_shape), with_matrix(batch_shape(a), n, n)},
      {a.dtype(), real_dtype(a.dtype()), a.dtype()}, std::move(prim), {a});
}

array inv(const array& a, StreamOrDevice s) {
  return inv_impl("linalg::inv", a, false, false, s);
}

array tri_inv(const array& a, bool upper, StreamOrDevice s) {
  return inv_impl("linalg::tri_inv", a, true, upper, s);
}

array cholesky(const array& a, bool upper, StreamOrDevice s) {
  check_float("linalg::cholesky", a);
  check_square("linalg::cholesky", a);
  return array(a.shape(), a.dtype(), std::make_shared<Cholesky>(cpu_stream(s), upper), {a});
}

array pinv(const array& a, StreamOrDevice s) {
  check_float("linalg::pinv", a);
  check_matrix("linalg::pinv", a);
  Stream stream = cpu_stream(s);
  const int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  if (k == 0) {
    return zeros(with_matrix(batch_shape(a), n, m), a.dtype(), stream);
  }
  auto usv = svd(a, true, stream);
  // pinv = V[:, :k] diag(1 / S) U[:, :k]^T, dropping singular values below the cutoff.
  Shape start(a.ndim(), 0);
  array u = slice(usv[0], start, with_matrix(batch_shape(a), m, k), stream);
  array v =
      swapaxes(slice(usv[2], start, with_matrix(batch_shape(a), k, n), stream), -1, -2, stream);
  array sv = expand_dims(usv[1], -2, stream);
  double rcond = 10.0 * std::max(m, n) * finfo(a.dtype()).eps;
  array cutoff = multiply(array(rcond, a.dtype()), max(sv, -1, true, stream), stream);
  array inv_s =
      where(greater(sv, cutoff, stream), reciprocal(sv, stream), array(0.0, a.dtype()), stream);
  return matmul(multiply(v, inv_s, stream), swapaxes(u, -1, -2, stream), stream);
}

array cholesky_inv(const array& a, bool upper, StreamOrDevice s) {
  check_float("linalg::cholesky_inv", a);
  check_square("linalg::cholesky_inv", a);
  Stream stream = cpu_stream(s);
  array f_inv = tri_inv(a, upper, stream);
  array f_inv_t = swapaxes(f_inv, -1, -2, stream);
  // A = L L^T gives A^-1 = L^-T L^-1; A = U^T U gives U^-1 U^-T.
  return upper ? matmul(f_inv, f_inv_t, stream) : matmul(f_inv_t, f_inv, stream);
}

namespace {

std::vector<array> lu_outputs(const char* op, const array& a, StreamOrDevice s) {
  check_float(op, a);
  check_matrix(op, a);
  const int m = a.shape(-2), n = a.shape(-1);
  Shape pivots = batch_shape(a);
  pivots.push_back(std::min(m, n));
  Shape rows = batch_shape(a);
  rows.push_back(m);
  return array::make_arrays({a.shape(), pivots, rows}, {a.dtype(), uint32, uint32},
                            std::make_shared<LUF>(cpu_stream(s)), {a});
}

} // namespace

std::vector<array> lu(const array& a, StreamOrDevice s) {
  auto out = lu_outputs("linalg::lu", a, s);
  Stream stream = cpu_stream(s);
  const int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape start(a.ndim(), 0);
  array l = tril(out[0], -1, stream);
  array u = triu(out[0], 0, stream);
  if (n != k) {
    l = slice(l, start, with_matrix(batch_shape(a), m, k), stream);
  } else if (m != k) {
    u = slice(u, start, with_matrix(batch_shape(a), k, n), stream);
  }
  l = add(l, eye(m, k, 0, a.dtype(), stream), stream);
  return {out[2], l, u};
}

std::pair<array, array> lu_factor(const array& a, StreamOrDevice s) {
  auto out = lu_outputs("linalg::lu_factor", a, s);
  return {out[0], out[1]};
}

array solve(const array& a, const array& b, StreamOrDevice s) {
  return solve_impl("linalg::solve", a, b, false, false, s);
}

array solve_triangular(const array& a, const array& b, bool upper, StreamOrDevice s) {
  return solve_impl("linalg::solve_triangular", a, b, true, upper, s);
}

std::pair<array, array> eig(const array& a, StreamOrDevice s) {
  check_eig("linalg::eig", a);
  Shape values = Shape(a.shape().begin(), a.shape().end() - 1);
  auto out = array::make_arrays({values, a.shape()}, {complex64, complex64},
                                std::make_shared<Eig>(cpu_stream(s), true), {a});
  return {out[0], out[1]};
}

array eigvals(const array& a, StreamOrDevice s) {
  check_eig("linalg::eigvals", a);
  return array(Shape(a.shape().begin(), a.shape().end() - 1), complex64,
               std::make_shared<Eig>(cpu_stream(s), false), {a});
}

namespace {

void check_uplo(const char* op, const std::string& uplo) {
  if (uplo != "L" && uplo != "U") {
    throw op_error(op, "UPLO must be 'L' or 'U', got '", uplo, "'.");
  }
}

} // namespace

array eigvalsh(const array& a, std::string UPLO, StreamOrDevice s) {
  check_eig("linalg::eigvalsh", a);
  check_uplo("linalg::eigvalsh", UPLO);
  return array(Shape(a.shape().begin(), a.shape().end() - 1), real_dtype(a.dtype()),
               std::make_shared<Eigh>(cpu_stream(s), std::move(UPLO), false), {a});
}

std::pair<array, array> eigh(const array& a, std::string UPLO, StreamOrDevice s) {
  check_eig("linalg::eigh", a);
  check_uplo("linalg::eigh", UPLO);
  auto out = array::make_arrays({Shape(a.shape().begin(), a.shape().end() - 1), a.shape()},
                                {real_dtype(a.dtype()), a.dtype()},
                                std::make_shared<Eigh>(cpu_stream(s), std::move(UPLO), true), {a});
  return {out[0], out[1]};
}

array det(const array& a, StreamOrDevice s) {
  auto [compute, result] = det_dtypes("linalg::det", a);
  Stream stream = cpu_stream(s);
  array d(batch_shape(a), compute, std::make_shared<Determinant>(stream, false),
          {astype(a, compute, stream)});
  return astype(d, result, stream);
}

std::pair<array, array> slogdet(const array& a, StreamOrDevice s) {
  auto [compute, result] = det_dtypes("linalg::slogdet", a);
  Stream stream = cpu_stream(s);
  auto out =
      array::make_arrays({batch_shape(a), batch_shape(a)}, {compute, compute},
                         std::make_shared<Determinant>(stream, true), {astype(a, compute, stream)});
  return {astype(out[0], result, stream), astype(out[1], result, stream)};
}

} // namespace mlx::core::linalg
