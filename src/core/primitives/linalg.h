// Matrix factorizations and solves over the last two axes (batched over the leading ones),
// float32 or float64 (SVD, Eigh and Eig also complex64), computed with LAPACK on the CPU. Failures
// that depend on the values (a singular matrix, one that is not positive definite, no convergence)
// are found while evaluating and thrown as std::runtime_error("[linalg::op] ...").
#pragma once

#include <string>

#include "mlx/primitives.h"

namespace mlx::core {

// A = P^T L U. Outputs: LU packed (L unit lower, below the diagonal; U on and above), pivots
// (uint32 [..., min(M, N)], 0-based row swaps in order) and row_indices (uint32 [..., M]: row i
// of A is row row_indices[i] of L U).
class LUF : public Primitive {
public:
  explicit LUF(Stream stream) : Primitive(stream) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "LUF"; }
  bool is_equivalent(const Primitive& other) const override;
};

// A = Q R, reduced: Q [..., M, K] with orthonormal columns, R [..., K, N] upper, K = min(M, N).
class QRF : public Primitive {
public:
  explicit QRF(Stream stream) : Primitive(stream) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "QRF"; }
  bool is_equivalent(const Primitive& other) const override;
};

// A = U diag(S) V^H with U [..., M, M], S [..., K] descending (real), V^H [..., N, N]; or S
// alone.
class SVD : public Primitive {
public:
  SVD(Stream stream, bool compute_uv) : Primitive(stream), compute_uv_(compute_uv) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "SVD"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  bool compute_uv_;
};

// The inverse of a square matrix, or of its `upper`/lower triangle (tri).
class Inverse : public UnaryPrimitive {
public:
  Inverse(Stream stream, bool tri, bool upper) : UnaryPrimitive(stream), tri_(tri), upper_(upper) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Inverse"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  bool tri_;
  bool upper_;
};

// The Cholesky factor L (A = L L^T, from A's lower triangle) or U (A = U^T U, from the upper).
class Cholesky : public UnaryPrimitive {
public:
  Cholesky(Stream stream, bool upper) : UnaryPrimitive(stream), upper_(upper) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Cholesky"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  bool upper_;
};

// Eigenvalues (ascending, real) and optionally eigenvectors (columns) of a symmetric (Hermitian)
// matrix, read from its `uplo` ("L" or "U") triangle.
class Eigh : public Primitive {
public:
  Eigh(Stream stream, std::string uplo, bool compute_eigenvectors)
      : Primitive(stream), uplo_(std::move(uplo)), compute_eigenvectors_(compute_eigenvectors) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "Eigh"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  std::string uplo_;
  bool compute_eigenvectors_;
};

// Eigenvalues and optionally right eigenvectors (unit columns) of a general matrix, as
// complex64.
class Eig : public Primitive {
public:
  Eig(Stream stream, bool compute_eigenvectors)
      : Primitive(stream), compute_eigenvectors_(compute_eigenvectors) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "Eig"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  bool compute_eigenvectors_;
};

// X with A X = B. Inputs: A [..., N, N] and B [..., N, K] with equal batch shapes; with
// `triangular`, only A's `upper`/lower triangle is used.
class Solve : public UnaryPrimitive {
public:
  Solve(Stream stream, bool triangular, bool upper)
      : UnaryPrimitive(stream), triangular_(triangular), upper_(upper) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return triangular_ ? "SolveTriangular" : "Solve"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  bool triangular_;
  bool upper_;
};

// The determinant [...] of each square matrix, or (log_abs) its sign and log |det| as two
// outputs; through LU, 0 (sign 0, log -inf) for a singular matrix.
class Determinant : public Primitive {
public:
  Determinant(Stream stream, bool log_abs) : Primitive(stream), log_abs_(log_abs) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return log_abs_ ? "SlogDet" : "Det"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  bool log_abs_;
};

} // namespace mlx::core
