#include "backend/cpu/gemm_half.h"

#include <algorithm>
#include <vector>

#include "backend/cpu/gemm_half_kernels.h"

namespace mlx::core::cpu {

namespace {

// Depth of the converted panels: deep enough that sgemm runs at full rate, shallow enough that
// a panel of A and one of B stay in the last-level cache.
constexpr int64_t panel_depth = 512;

// Products with at most this many rows run as one matrix-vector product per row.
constexpr int64_t few_rows = 4;

// The largest block of C computed in one go (a float32 copy of it is 8 MB).
constexpr int64_t block_rows = 1024;
constexpr int64_t block_cols = 2048;

enum class Isa { baseline, avx2, avx512 };

Isa detect_isa() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  // The AVX-512 variant is compiled with these extensions, so the CPU needs all of them.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
    return Isa::avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2")) {
    return Isa::avx2;
  }
#endif
  return Isa::baseline;
}

template <typename T>
HalfKernels<T> select_kernels() {
  constexpr bool bf16 = std::is_same_v<T, bfloat16_t>;
  switch (detect_isa()) {
  case Isa::avx512:
    if constexpr (bf16) {
      return isa_avx512::bfloat16_kernels();
    } else {
      return isa_avx512::float16_kernels();
    }
  case Isa::avx2:
    if constexpr (bf16) {
      return isa_avx2::bfloat16_kernels();
    } else {
      return isa_avx2::float16_kernels();
    }
  case Isa::baseline:
    break;
  }
  if constexpr (bf16) {
    return isa_baseline::bfloat16_kernels();
  } else {
    return isa_baseline::float16_kernels();
  }
}

// Scratch reused across calls on the same thread (products come in long runs of equal shapes).
float* scratch(std::vector<float>& buffer, int64_t size) {
  if (static_cast<int64_t>(buffer.size()) < size) {
    buffer.resize(size);
  }
  return buffer.data();
}

// x[i] = float(v[i * inc]) for i < n.
template <typename T>
void gather_vector(const HalfKernels<T>& k, const T* v, int64_t inc, int64_t n, float* x) {
  if (inc == 1) {
    k.to_float(v, n, x);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      x[i] = static_cast<float>(v[i * inc]);
    }
  }
}

// out[i * inc] = alpha * y[i] + beta * out[i * inc].
template <typename T>
void finish_vector(const HalfKernels<T>& k, float* y, int64_t n, float alpha, float beta, T* out,
                   int64_t inc) {
  for (int64_t i = 0; i < n; ++i) {
    y[i] = alpha * y[i] + (beta == 0.0f ? 0.0f : beta * static_cast<float>(out[i * inc]));
  }
  if (inc == 1) {
    k.from_float(y, n, out);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      out[i * inc] = static_cast<T>(y[i]);
    }
  }
}

// A product with one row or one column of output: a matrix-vector product that reads the
// matrix once, in place.
template <typename T>
void gemv(const HalfKernels<T>& k, const GemmLayout& l, float alpha, float beta,
          const GemmJob<T>& job) {
  thread_local std::vector<float> x_buffer, y_buffer;
  const int64_t M = job.M, N = l.N, K = l.K;
  float* x = scratch(x_buffer, K);
  if (M == 1) {
    // C's row is A's row times op(B).
    gather_vector(k, job.a, l.a_transposed ? l.lda : 1, K, x);
    float* y = scratch(y_buffer, N);
    if (l.b_transposed) {
      k.dot_rows(job.b, l.ldb, N, K, x, y);
    } else {
      std::fill(y, y + N, 0.0f);
      k.axpy_rows(job.b, l.ldb, K, N, x, y);
    }
    finish_vector(k, y, N, alpha, beta, job.c, 1);
  } else {
    // C's column is op(A) times B's column.
    gather_vector(k, job.b, l.b_transposed ? 1 : l.ldb, K, x);
    float* y = scratch(y_buffer, M);
    if (l.a_transposed) {
      std::fill(y, y + M, 0.0f);
      k.axpy_rows(job.a, l.lda, K, M, x, y);
    } else {
      k.dot_rows(job.a, l.lda, M, K, x, y);
    }
    finish_vector(k, y, M, alpha, beta, job.c, l.ldc);
  }
}

// rows x cols block with row stride ld into dst (row stride dst_ld) as float.
template <typename T>
void block_to_float(const HalfKernels<T>& k, const T* src, int64_t rows, int64_t cols, int64_t ld,
                    float* dst, int64_t dst_ld) {
  for (int64_t r = 0; r < rows; ++r) {
    k.to_float(src + r * ld, cols, dst + r * dst_ld);
  }
}

} // namespace

template <typename T>
const HalfKernels<T>& half_kernels() {
  static const HalfKernels<T> kernels = select_kernels<T>();
  return kernels;
}

template <typename T>
void gemm_half_serial(const GemmLayout& l, float alpha, float beta, const GemmJob<T>& job) {
  const auto& k = half_kernels<T>();
  if (job.M == 1 || l.N == 1) {
    gemv(k, l, alpha, beta, job);
    return;
  }
  if (job.M <= few_rows) {
    // Packing or converting B would cost more than reading it once per row.
    for (int64_t m = 0; m < job.M; ++m) {
      GemmJob<T> row{1, job.a + (l.a_transposed ? m : m * l.lda), job.b, job.c + m * l.ldc};
      gemv(k, l, alpha, beta, row);
    }
    return;
  }
  // Both remaining paths keep a float32 copy of their block of C (and of operand panels) in
  // per-thread scratch, so large products go block by block to bound that memory.
  if (job.M > block_rows || l.N > block_cols) {
    for (int64_t m0 = 0; m0 < job.M; m0 += block_rows) {
      for (int64_t n0 = 0; n0 < l.N; n0 += block_cols) {
        GemmLayout sub = l;
        sub.N = std::min(block_cols, l.N - n0);
        GemmJob<T> block{std::min(block_rows, job.M - m0),
                         job.a + (l.a_transposed ? m0 : m0 * l.lda),
                         job.b + (l.b_transposed ? n0 * l.ldb : n0), job.c + m0 * l.ldc + n0};
        gemm_half_serial(sub, alpha, beta, block);
      }
    }
    return;
  }
  if (k.gemm) {
    k.gemm(l, alpha, beta, job, k);
    return;
  }
  thread_local std::vector<float> a_buffer, b_buffer, c_buffer;
  const int64_t M = job.M, N = l.N, K = l.K;
  const int64_t depth = std::min(K, panel_depth);
  float* a = scratch(a_buffer, M * depth);
  float* b = scratch(b_buffer, depth * N);
  float* c = scratch(c_buffer, M * N);
  if (beta != 0.0f) {
    block_to_float(k, job.c, M, N, l.ldc, c, N);
  }
  for (int64_t k0 = 0; k0 < K; k0 += depth) {
    const int64_t kb = std::min(depth, K - k0);
    // Each panel keeps its operand's orientation; only the leading dimension changes.
    GemmLayout panel{N, kb, 0, 0, N, l.a_transposed, l.b_transposed};
    if (l.a_transposed) {
      block_to_float(k, job.a + k0 * l.lda, kb, M, l.lda, a, M);
      panel.lda = M;
    } else {
      block_to_float(k, job.a + k0, M, kb, l.lda, a, kb);
      panel.lda = kb;
    }
    if (l.b_transposed) {
      block_to_float(k, job.b + k0, N, kb, l.ldb, b, kb);
      panel.ldb = kb;
    } else {
      block_to_float(k, job.b + k0 * l.ldb, kb, N, l.ldb, b, N);
      panel.ldb = N;
    }
    gemm_serial<float>(panel, alpha, k0 == 0 ? beta : 1.0f, GemmJob<float>{M, a, b, c});
  }
  for (int64_t m = 0; m < M; ++m) {
    k.from_float(c + m * N, N, job.c + m * l.ldc);
  }
}

template const HalfKernels<float16_t>& half_kernels<float16_t>();
template const HalfKernels<bfloat16_t>& half_kernels<bfloat16_t>();
template void gemm_half_serial<float16_t>(const GemmLayout&, float, float,
                                          const GemmJob<float16_t>&);
template void gemm_half_serial<bfloat16_t>(const GemmLayout&, float, float,
                                           const GemmJob<bfloat16_t>&);

} // namespace mlx::core::cpu
