#include "backend/cpu/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "backend/cpu/copy.h"
#include "backend/cpu/gemm_half.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

namespace {

// Products below this many multiply-adds run on the calling thread: waking the pool costs
// more than it saves.
constexpr double parallel_work = 1 << 20;

// A tile of a split product does at least this many multiply-adds.
constexpr double min_tile_work = 1 << 18;

// Column splits stay multiples of this, so that tiles of C start on cache-line boundaries and
// fill whole strips of the packed half-precision kernels.
constexpr int64_t column_align = 32;

CBLAS_TRANSPOSE trans(bool t) {
  return t ? CblasTrans : CblasNoTrans;
}

// C = beta * C, for products with an empty inner dimension. beta == 0 overwrites (C may be
// uninitialized).
template <typename T>
void scale_rows(int64_t M, int64_t N, float beta, T* c, int64_t ldc) {
  for (int64_t m = 0; m < M; ++m) {
    T* row = c + m * ldc;
    for (int64_t n = 0; n < N; ++n) {
      row[n] = beta == 0.0f ? T(0) : static_cast<T>(static_cast<accumulator_t<T>>(row[n]) * beta);
    }
  }
}

// Matrix-vector products go to gemv: gemm with one row or column still packs the whole matrix.
template <typename T, typename Gemv, typename Gemm>
void real_gemm(const GemmLayout& l, float alpha, float beta, const GemmJob<T>& job, Gemv gemv,
               Gemm gemm) {
  const int64_t M = job.M, N = l.N, K = l.K;
  if (M == 1) {
    // The row of C is op(B)^T times A's only row.
    int64_t inc_a = l.a_transposed ? l.lda : 1;
    if (l.b_transposed) {
      gemv(CblasRowMajor, CblasNoTrans, N, K, alpha, job.b, l.ldb, job.a, inc_a, beta, job.c, 1);
    } else {
      gemv(CblasRowMajor, CblasTrans, K, N, alpha, job.b, l.ldb, job.a, inc_a, beta, job.c, 1);
    }
  } else if (N == 1) {
    int64_t inc_b = l.b_transposed ? 1 : l.ldb;
    if (l.a_transposed) {
      gemv(CblasRowMajor, CblasTrans, K, M, alpha, job.a, l.lda, job.b, inc_b, beta, job.c, l.ldc);
    } else {
      gemv(CblasRowMajor, CblasNoTrans, M, K, alpha, job.a, l.lda, job.b, inc_b, beta, job.c,
           l.ldc);
    }
  } else {
    gemm(CblasRowMajor, trans(l.a_transposed), trans(l.b_transposed), M, N, K, alpha, job.a, l.lda,
         job.b, l.ldb, beta, job.c, l.ldc);
  }
}

// A piece of one job: rows [m0, m1) and columns [n0, n1) of its C.
struct Tile {
  size_t job;
  int64_t m0, m1, n0, n1;
};

// Splits [0, n) into `pieces` ranges whose inner boundaries are multiples of `align`.
std::vector<int64_t> split_points(int64_t n, int64_t pieces, int64_t align) {
  std::vector<int64_t> points{0};
  for (int64_t p = 1; p < pieces; ++p) {
    int64_t cut = (n * p / pieces) / align * align;
    if (cut > points.back()) {
      points.push_back(cut);
    }
  }
  points.push_back(n);
  return points;
}

// Cuts the jobs into tiles for `threads` workers. Many jobs run whole; fewer are cut, in
// proportion to their work, into about `threads` pieces per job (so equal jobs always share
// out evenly), along the longer side of C, keeping each piece worth parallelizing.
template <typename T>
std::vector<Tile> make_tiles(const GemmLayout& l, const std::vector<GemmJob<T>>& jobs, int threads,
                             double total_work) {
  std::vector<Tile> tiles;
  const bool split = static_cast<int64_t>(jobs.size()) < 4 * threads;
  const double share = static_cast<double>(threads) * jobs.size() / total_work;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const int64_t M = jobs[j].M;
    const double work = static_cast<double>(M) * l.N * l.K;
    int64_t pieces = 1;
    if (split) {
      pieces = std::llround(work * share);
      pieces = std::clamp<int64_t>(pieces, 1, static_cast<int64_t>(work / min_tile_work) + 1);
    }
    if (pieces > 1 && M >= l.N) {
      auto rows = split_points(M, std::min(pieces, M), 1);
      for (size_t p = 0; p + 1 < rows.size(); ++p) {
        tiles.push_back({j, rows[p], rows[p + 1], 0, l.N});
      }
    } else if (pieces > 1) {
      auto cols = split_points(l.N, pieces, column_align);
      for (size_t p = 0; p + 1 < cols.size(); ++p) {
        tiles.push_back({j, 0, M, cols[p], cols[p + 1]});
      }
    } else {
      tiles.push_back({j, 0, M, 0, l.N});
    }
  }
  return tiles;
}

template <typename T>
void run_tile(const GemmLayout& l, float alpha, float beta, const GemmJob<T>& job, const Tile& t) {
  GemmLayout sub = l;
  sub.N = t.n1 - t.n0;
  GemmJob<T> piece{
      t.m1 - t.m0,
      job.a + (l.a_transposed ? t.m0 : t.m0 * l.lda),
      job.b + (l.b_transposed ? t.n0 * l.ldb : t.n0),
      job.c + t.m0 * l.ldc + t.n0,
  };
  gemm_serial(sub, alpha, beta, piece);
}

} // namespace

template <typename T>
void gemm_serial(const GemmLayout& l, float alpha, float beta, const GemmJob<T>& job) {
  if (job.M == 0 || l.N == 0) {
    return;
  }
  if (l.K == 0) {
    scale_rows(job.M, l.N, beta, job.c, l.ldc);
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    real_gemm(l, alpha, beta, job, cblas_sgemv, cblas_sgemm);
  } else if constexpr (std::is_same_v<T, double>) {
    real_gemm(l, alpha, beta, job, cblas_dgemv, cblas_dgemm);
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    const std::complex<float> a(alpha, 0.0f), b(beta, 0.0f);
    cblas_cgemm(CblasRowMajor, trans(l.a_transposed), trans(l.b_transposed), job.M, l.N, l.K, &a,
                job.a, l.lda, job.b, l.ldb, &b, job.c, l.ldc);
  } else {
    gemm_half_serial(l, alpha, beta, job);
  }
}

template <typename T>
void gemm(const GemmLayout& l, float alpha, float beta, const std::vector<GemmJob<T>>& jobs) {
  double total_work = 0;
  for (const auto& job : jobs) {
    total_work += static_cast<double>(job.M) * l.N * l.K;
  }
  configure_blas_threads();
  SingleThreadedBlas single_threaded;
  int threads = num_threads();
  if (threads == 1 || total_work < parallel_work) {
    for (const auto& job : jobs) {
      gemm_serial(l, alpha, beta, job);
    }
    return;
  }
  auto tiles = make_tiles(l, jobs, threads, total_work);
  parallel_for(static_cast<int64_t>(tiles.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      run_tile(l, alpha, beta, jobs[tiles[i].job], tiles[i]);
    }
  });
}

void configure_blas_threads() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(num_threads()); });
}

SingleThreadedBlas::SingleThreadedBlas() : saved_(openblas_get_num_threads()) {
  if (saved_ != 1) {
    openblas_set_num_threads(1);
  }
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (saved_ != 1) {
    openblas_set_num_threads(saved_);
  }
}

std::optional<MatrixLayout> blas_layout(const array& x) {
  const int64_t rows = x.shape(-2), cols = x.shape(-1);
  const int64_t row_stride = x.strides(-2), col_stride = x.strides(-1);
  // BLAS wants the leading dimension at least the stored row length (and at least 1).
  if ((col_stride == 1 || cols <= 1) && (rows <= 1 || row_stride >= std::max<int64_t>(cols, 1))) {
    return MatrixLayout{false, rows <= 1 ? std::max<int64_t>(cols, 1) : row_stride};
  }
  if ((row_stride == 1 || rows <= 1) && (cols <= 1 || col_stride >= std::max<int64_t>(rows, 1))) {
    return MatrixLayout{true, cols <= 1 ? std::max<int64_t>(rows, 1) : col_stride};
  }
  return std::nullopt;
}

std::pair<array, MatrixLayout> blas_operand(const array& x) {
  if (auto layout = blas_layout(x)) {
    return {x, *layout};
  }
  array copy(x.shape(), x.dtype(), nullptr, {});
  copy_row_major(x, copy);
  return {copy, MatrixLayout{false, std::max<int64_t>(x.shape(-1), 1)}};
}

bool matrices_stack_rows(const array& x, const MatrixLayout& layout) {
  if (layout.transposed) {
    return false;
  }
  int64_t expected = x.shape(-2) * layout.ld;
  for (int i = static_cast<int>(x.ndim()) - 3; i >= 0; --i) {
    if (x.shape(i) != 1 && x.strides(i) != expected) {
      return false;
    }
    expected *= x.shape(i);
  }
  return true;
}

template void gemm<float>(const GemmLayout&, float, float, const std::vector<GemmJob<float>>&);
template void gemm_serial<float>(const GemmLayout&, float, float, const GemmJob<float>&);
template void gemm<double>(const GemmLayout&, float, float, const std::vector<GemmJob<double>>&);
template void gemm_serial<double>(const GemmLayout&, float, float, const GemmJob<double>&);
template void gemm<complex64_t>(const GemmLayout&, float, float,
                                const std::vector<GemmJob<complex64_t>>&);
template void gemm_serial<complex64_t>(const GemmLayout&, float, float,
                                       const GemmJob<complex64_t>&);
template void gemm<float16_t>(const GemmLayout&, float, float,
                              const std::vector<GemmJob<float16_t>>&);
template void gemm_serial<float16_t>(const GemmLayout&, float, float, const GemmJob<float16_t>&);
template void gemm<bfloat16_t>(const GemmLayout&, float, float,
                               const std::vector<GemmJob<bfloat16_t>>&);
template void gemm_serial<bfloat16_t>(const GemmLayout&, float, float, const GemmJob<bfloat16_t>&);

} // namespace mlx::core::cpu
