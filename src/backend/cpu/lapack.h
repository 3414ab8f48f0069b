// LAPACK for the linalg kernels: OpenBLAS's LAPACK (see cmake/MlxcppDependencies.cmake for why
// that one) through lapack.h's Fortran prototypes, as overloads on float and double so the
// kernels are templates. Matrices are column-major; every argument is passed by address and
// character arguments carry their hidden Fortran lengths (lapack.h's macros add them).
#pragma once

#include <complex>

// lapack.h's default complex types are C99 _Complex; none of our routines take them, but the
// header declares them everywhere.
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>
#include <lapack.h>

namespace mlx::core::cpu::lapack {

using Int = lapack_int;

// LU with partial pivoting (ipiv 1-based). info > 0: U(info, info) is exactly zero.
inline void getrf(Int m, Int n, float* a, Int lda, Int* ipiv, Int* info) {
  LAPACK_sgetrf(&m, &n, a, &lda, ipiv, info);
}
inline void getrf(Int m, Int n, double* a, Int lda, Int* ipiv, Int* info) {
  LAPACK_dgetrf(&m, &n, a, &lda, ipiv, info);
}

// The inverse from getrf's factors; lwork = -1 queries the workspace size into work[0].
inline void getri(Int n, float* a, Int lda, const Int* ipiv, float* work, Int lwork, Int* info) {
  LAPACK_sgetri(&n, a, &lda, ipiv, work, &lwork, info);
}
inline void getri(Int n, double* a, Int lda, const Int* ipiv, double* work, Int lwork, Int* info) {
  LAPACK_dgetri(&n, a, &lda, ipiv, work, &lwork, info);
}

// Solves A X = B (B is overwritten by X). info > 0: A is singular.
inline void gesv(Int n, Int nrhs, float* a, Int lda, Int* ipiv, float* b, Int ldb, Int* info) {
  LAPACK_sgesv(&n, &nrhs, a, &lda, ipiv, b, &ldb, info);
}
inline void gesv(Int n, Int nrhs, double* a, Int lda, Int* ipiv, double* b, Int ldb, Int* info) {
  LAPACK_dgesv(&n, &nrhs, a, &lda, ipiv, b, &ldb, info);
}

// Solves op(A) X = B for triangular A. info > 0: a zero on A's diagonal.
inline void trtrs(char uplo, Int n, Int nrhs, const float* a, Int lda, float* b, Int ldb,
                  Int* info) {
  char trans = 'N', diag = 'N';
  LAPACK_strtrs(&uplo, &trans, &diag, &n, &nrhs, a, &lda, b, &ldb, info);
}
inline void trtrs(char uplo, Int n, Int nrhs, const double* a, Int lda, double* b, Int ldb,
                  Int* info) {
  char trans = 'N', diag = 'N';
  LAPACK_dtrtrs(&uplo, &trans, &diag, &n, &nrhs, a, &lda, b, &ldb, info);
}

// Inverse of a triangular matrix in place. info > 0: a zero on the diagonal.
inline void trtri(char uplo, Int n, float* a, Int lda, Int* info) {
  char diag = 'N';
  LAPACK_strtri(&uplo, &diag, &n, a, &lda, info);
}
inline void trtri(char uplo, Int n, double* a, Int lda, Int* info) {
  char diag = 'N';
  LAPACK_dtrtri(&uplo, &diag, &n, a, &lda, info);
}

// Cholesky factor in the `uplo` triangle. info > 0: not positive definite.
inline void potrf(char uplo, Int n, float* a, Int lda, Int* info) {
  LAPACK_spotrf(&uplo, &n, a, &lda, info);
}
inline void potrf(char uplo, Int n, double* a, Int lda, Int* info) {
  LAPACK_dpotrf(&uplo, &n, a, &lda, info);
}

// Householder QR: R in the upper triangle, reflectors below it with their scales in tau.
inline void geqrf(Int m, Int n, float* a, Int lda, float* tau, float* work, Int lwork, Int* info) {
  LAPACK_sgeqrf(&m, &n, a, &lda, tau, work, &lwork, info);
}
inline void geqrf(Int m, Int n, double* a, Int lda, double* tau, double* work, Int lwork,
                  Int* info) {
  LAPACK_dgeqrf(&m, &n, a, &lda, tau, work, &lwork, info);
}

// The first n columns of Q from geqrf's k reflectors.
inline void orgqr(Int m, Int n, Int k, float* a, Int lda, const float* tau, float* work, Int lwork,
                  Int* info) {
  LAPACK_sorgqr(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
inline void orgqr(Int m, Int n, Int k, double* a, Int lda, const double* tau, double* work,
                  Int lwork, Int* info) {
  LAPACK_dorgqr(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}

// The complex routines below take real workspace (rwork); the real overloads have the same
// parameters, ignoring it, so that the kernels are one template for float, double and complex.
using ComplexFloat = std::complex<float>;

// SVD by divide and conquer; jobz 'A' (all of U and V^T) or 'N' (values only). info > 0: no
// convergence.
inline void gesdd(char jobz, Int m, Int n, float* a, Int lda, float* s, float* u, Int ldu,
                  float* vt, Int ldvt, float* work, Int lwork, float* /*rwork*/, Int* iwork,
                  Int* info) {
  LAPACK_sgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info);
}
inline void gesdd(char jobz, Int m, Int n, double* a, Int lda, double* s, double* u, Int ldu,
                  double* vt, Int ldvt, double* work, Int lwork, double* /*rwork*/, Int* iwork,
                  Int* info) {
  LAPACK_dgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info);
}
inline void gesdd(char jobz, Int m, Int n, ComplexFloat* a, Int lda, float* s, ComplexFloat* u,
                  Int ldu, ComplexFloat* vt, Int ldvt, ComplexFloat* work, Int lwork, float* rwork,
                  Int* iwork, Int* info) {
  LAPACK_cgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, rwork, iwork, info);
}

// SVD by QR iteration (slower, the fallback when gesdd does not converge); job 'A' or 'N'.
inline void gesvd(char job, Int m, Int n, float* a, Int lda, float* s, float* u, Int ldu, float* vt,
                  Int ldvt, float* work, Int lwork, float* /*rwork*/, Int* info) {
  LAPACK_sgesvd(&job, &job, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, info);
}
inline void gesvd(char job, Int m, Int n, double* a, Int lda, double* s, double* u, Int ldu,
                  double* vt, Int ldvt, double* work, Int lwork, double* /*rwork*/, Int* info) {
  LAPACK_dgesvd(&job, &job, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, info);
}
inline void gesvd(char job, Int m, Int n, ComplexFloat* a, Int lda, float* s, ComplexFloat* u,
                  Int ldu, ComplexFloat* vt, Int ldvt, ComplexFloat* work, Int lwork, float* rwork,
                  Int* info) {
  LAPACK_cgesvd(&job, &job, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, rwork, info);
}

// Symmetric (Hermitian, for complex) eigen-decomposition: ascending values, vectors in a when
// jobz = 'V'. A query (lwork = -1) returns the sizes in work[0], rwork[0] and iwork[0].
inline void syevd(char jobz, char uplo, Int n, float* a, Int lda, float* w, float* work, Int lwork,
                  float* /*rwork*/, Int /*lrwork*/, Int* iwork, Int liwork, Int* info) {
  LAPACK_ssyevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info);
}
inline void syevd(char jobz, char uplo, Int n, double* a, Int lda, double* w, double* work,
                  Int lwork, double* /*rwork*/, Int /*lrwork*/, Int* iwork, Int liwork, Int* info) {
  LAPACK_dsyevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info);
}
inline void syevd(char jobz, char uplo, Int n, ComplexFloat* a, Int lda, float* w,
                  ComplexFloat* work, Int lwork, float* rwork, Int lrwork, Int* iwork, Int liwork,
                  Int* info) {
  LAPACK_cheevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, rwork, &lrwork, iwork, &liwork, info);
}

// General eigen-decomposition: values wr + i wi, right vectors in vr (jobvr = 'V'), a complex
// pair's vectors as the real and imaginary columns j, j + 1.
inline void geev(char jobvr, Int n, float* a, Int lda, float* wr, float* wi, float* vr, Int ldvr,
                 float* work, Int lwork, Int* info) {
  char jobvl = 'N';
  Int ldvl = 1;
  LAPACK_sgeev(&jobvl, &jobvr, &n, a, &lda, wr, wi, nullptr, &ldvl, vr, &ldvr, work, &lwork, info);
}
inline void geev(char jobvr, Int n, double* a, Int lda, double* wr, double* wi, double* vr,
                 Int ldvr, double* work, Int lwork, Int* info) {
  char jobvl = 'N';
  Int ldvl = 1;
  LAPACK_dgeev(&jobvl, &jobvr, &n, a, &lda, wr, wi, nullptr, &ldvl, vr, &ldvr, work, &lwork, info);
}
// The complex version: values w, vectors as the columns of vr; rwork has 2n reals.
inline void geev(char jobvr, Int n, ComplexFloat* a, Int lda, ComplexFloat* w, ComplexFloat* vr,
                 Int ldvr, ComplexFloat* work, Int lwork, float* rwork, Int* info) {
  char jobvl = 'N';
  Int ldvl = 1;
  LAPACK_cgeev(&jobvl, &jobvr, &n, a, &lda, w, nullptr, &ldvl, vr, &ldvr, work, &lwork, rwork,
               info);
}

} // namespace mlx::core::cpu::lapack
