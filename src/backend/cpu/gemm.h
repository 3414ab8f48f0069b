// The CPU backend's dense matrix product, shared by matmul, addmm, gather_mm and convolution.
// float32/float64/complex64 go to OpenBLAS; float16/bfloat16 compute in float32 (see
// gemm_half.h). The parallelism comes from our thread pool, which splits the products into
// tiles, each a single-threaded BLAS call: one pool owns the cores (no second set of spinning
// BLAS threads) and batches of small products run side by side. Kernels that need a float
// product should call gemm() rather than cblas_* directly.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "mlx/array.h"

namespace mlx::core::cpu {

// The layout shared by a set of products C = alpha * op(A) @ op(B) + beta * C: op(A) is M x K,
// op(B) is K x N, C is row-major. A "transposed" operand is stored column-major, i.e. as the
// row-major transpose, with leading dimension ld (>= its stored row length).
struct GemmLayout {
  int64_t N;
  int64_t K;
  int64_t lda;
  int64_t ldb;
  int64_t ldc;
  bool a_transposed;
  bool b_transposed;
};

// One product of a set: its own row count and operand addresses.
template <typename T>
struct GemmJob {
  int64_t M;
  const T* a;
  const T* b;
  T* c;
};

// Runs every job, splitting them across the thread pool. beta == 0 ignores C's contents (it
// may be uninitialized). T is float, double, complex64_t, float16_t or bfloat16_t.
template <typename T>
void gemm(const GemmLayout& layout, float alpha, float beta, const std::vector<GemmJob<T>>& jobs);

// One product on the calling thread, for callers that split the work themselves: call it
// from inside gemm()'s tiles or after making OpenBLAS single-threaded, or its BLAS calls start
// OpenBLAS's own threads on top of ours.
template <typename T>
void gemm_serial(const GemmLayout& layout, float alpha, float beta, const GemmJob<T>& job);

// Sets OpenBLAS's own thread count to our pool's (MLXCPP_NUM_THREADS), once, for code that
// calls BLAS (or LAPACK) directly from the evaluating thread. gemm() calls it.
void configure_blas_threads();

// While one is alive, OpenBLAS (BLAS and LAPACK) runs single-threaded: for code that splits the
// work across our pool itself, each BLAS call staying on its thread (no second set of spinning
// BLAS threads). The count is restored afterwards for code that relies on OpenBLAS's threads.
// Setting the count is a store to OpenBLAS's globals once its threads exist.
class SingleThreadedBlas {
public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

private:
  int saved_;
};

// How a matrix operand (the last two axes of an array) can be handed to BLAS.
struct MatrixLayout {
  bool transposed; // stored column-major
  int64_t ld;      // leading dimension
};

// The BLAS layout of x's last two axes, or nothing if they need a copy (a stride that is
// neither unit nor a valid leading dimension: broadcast rows, negative or interleaved strides).
std::optional<MatrixLayout> blas_layout(const array& x);

// x itself when blas_layout accepts it, else a row-major copy (kept alive by the caller).
std::pair<array, MatrixLayout> blas_operand(const array& x);

// True when x's matrices, in batch order, sit back to back as the rows of one taller row-major
// matrix (each batch stride is rows * ld times the sizes of the batch axes after it).
bool matrices_stack_rows(const array& x, const MatrixLayout& layout);

} // namespace mlx::core::cpu
