// Linear algebra, as MLX's mlx/linalg.h, plus det and slogdet (newer MLX). Matrices are the
// last two axes; leading axes are a batch. The factorizations run on the CPU (LAPACK) in
// float32 or float64: with no stream, or a GPU one, they use the CPU's default stream (MLX
// would reject a GPU stream; here it falls back). Value-dependent failures (a singular matrix,
// one that is not positive definite) throw std::runtime_error when evaluated.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/device.h"
#include "mlx/ops.h"
#include "mlx/stream.h"

namespace mlx::core::linalg {

/**
 * Compute vector or matrix norms.
 *
 * - If axis and ord are both unspecified, computes the 2-norm of flatten(x).
 * - If axis is not provided but ord is, then x must be either 1D or 2D.
 * - If axis is provided, but ord is not, then the 2-norm (or Frobenius norm
 *   for matrices) is computed along the given axes. At most 2 axes can be
 *   specified.
 * - If both axis and ord are provided, then the corresponding matrix or vector
 *   norm is computed. At most 2 axes can be specified.
 *
 * Vector orders: 0 (count of non-zeros), +-inf, any other p (sum |x|^p)^(1/p). Matrix orders:
 * "fro", "nuc", 1, -1, 2, -2, inf, -inf (as numpy).
 */
array norm(const array& a, const double ord,
           const std::optional<std::vector<int>>& axis = std::nullopt, bool keepdims = false,
           StreamOrDevice s = {});
inline array norm(const array& a, const double ord, int axis, bool keepdims = false,
                  StreamOrDevice s = {}) {
  return norm(a, ord, std::vector<int>{axis}, keepdims, s);
}
array norm(const array& a, const std::string& ord,
           const std::optional<std::vector<int>>& axis = std::nullopt, bool keepdims = false,
           StreamOrDevice s = {});
inline array norm(const array& a, const std::string& ord, int axis, bool keepdims = false,
                  StreamOrDevice s = {}) {
  return norm(a, ord, std::vector<int>{axis}, keepdims, s);
}
array norm(const array& a, const std::optional<std::vector<int>>& axis = std::nullopt,
           bool keepdims = false, StreamOrDevice s = {});
inline array norm(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {}) {
  return norm(a, std::vector<int>{axis}, keepdims, s);
}

/** The reduced QR factorization: Q [..., M, K], R [..., K, N], K = min(M, N). */
std::pair<array, array> qr(const array& a, StreamOrDevice s = {});

/**
 * U [..., M, M], S [..., K] (descending), V^T [..., N, N] (V^H for complex64 input, whose S is
 * float32); only S without compute_uv.
 */
std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s /* = {} */);
inline std::vector<array> svd(const array& a, StreamOrDevice s = {}) {
  return svd(a, true, s);
}

array inv(const array& a, StreamOrDevice s = {});

/** The inverse of the lower (or upper) triangle of a. */
array tri_inv(const array& a, bool upper = false, StreamOrDevice s = {});

/** L with A = L L^T (from A's lower triangle), or U with A = U^T U (upper). */
array cholesky(const array& a, bool upper = false, StreamOrDevice s = {});

/** The Moore-Penrose pseudo-inverse (singular values below 10 max(M, N) eps max(S) dropped). */
array pinv(const array& a, StreamOrDevice s = {});

/** The inverse of A = L L^T (or U^T U) from its Cholesky factor. */
array cholesky_inv(const array& a, bool upper = false, StreamOrDevice s = {});

/** {P, L, U} with A = L[P, :] @ U: P (uint32 [..., M]), L [..., M, K], U [..., K, N]. */
std::vector<array> lu(const array& a, StreamOrDevice s = {});

/** (LU, pivots): L and U packed, and the 0-based row swaps (uint32 [..., K]) in order. */
std::pair<array, array> lu_factor(const array& a, StreamOrDevice s = {});

/** x with a x = b; b is a vector [..., N] only when 1-D, else a stack [..., N, K]. */
array solve(const array& a, const array& b, StreamOrDevice s = {});

/** solve() with a lower (or upper) triangular a (only that triangle is read). */
array solve_triangular(const array& a, const array& b, bool upper = false, StreamOrDevice s = {});

/**
 * Compute the cross product of two arrays along the given axis.
 */
array cross(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});

/** Eigenvalues and right eigenvectors (columns) of a general matrix, as complex64. */
std::pair<array, array> eig(const array& a, StreamOrDevice s = {});

array eigvals(const array& a, StreamOrDevice s = {});

/**
 * Eigenvalues (ascending) of a symmetric (complex64: Hermitian, with float32 values) matrix,
 * read from its UPLO ("L" or "U") triangle.
 */
array eigvalsh(const array& a, std::string UPLO = "L", StreamOrDevice s = {});

/** Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix. */
std::pair<array, array> eigh(const array& a, std::string UPLO = "L", StreamOrDevice s = {});

/** The determinant of each square matrix (integers are computed as float32). */
array det(const array& a, StreamOrDevice s = {});

/** (sign, log |det|); a singular matrix gives (0, -inf). */
std::pair<array, array> slogdet(const array& a, StreamOrDevice s = {});

} // namespace mlx::core::linalg
