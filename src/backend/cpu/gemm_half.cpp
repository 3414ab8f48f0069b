#include "backend/cpu/gemm_half.h"

#include <algorithm>
#include <vector>

#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

namespace {

// Depth of the converted panels: deep enough that sgemm runs at full rate, shallow enough that
// a panel of A and one of B stay in the last-level cache.
constexpr int64_t panel_depth = 512;

// Copies a rows x cols block (row stride `ld`) into dst (row stride `dst_ld`) as float.
template <typename T>
void to_float(const T* src, int64_t rows, int64_t cols, int64_t ld, float* dst, int64_t dst_ld) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* s = src + r * ld;
    float* d = dst + r * dst_ld;
    for (int64_t c = 0; c < cols; ++c) {
      d[c] = static_cast<float>(s[c]);
    }
  }
}

template <typename T>
void from_float(const float* src, int64_t rows, int64_t cols, int64_t ld, T* dst, int64_t dst_ld) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * ld;
    T* d = dst + r * dst_ld;
    for (int64_t c = 0; c < cols; ++c) {
      d[c] = static_cast<T>(s[c]);
    }
  }
}

// Scratch reused across calls on the same thread (products come in long runs of equal shapes).
float* scratch(std::vector<float>& buffer, int64_t size) {
  if (static_cast<int64_t>(buffer.size()) < size) {
    buffer.resize(size);
  }
  return buffer.data();
}

} // namespace

template <typename T>
void gemm_half_serial(const GemmLayout& l, float alpha, float beta, const GemmJob<T>& job) {
  thread_local std::vector<float> a_buffer, b_buffer, c_buffer;
  const int64_t M = job.M, N = l.N, K = l.K;
  const int64_t depth = std::min(K, panel_depth);
  float* a = scratch(a_buffer, M * depth);
  float* b = scratch(b_buffer, depth * N);
  float* c = scratch(c_buffer, M * N);
  if (beta != 0.0f) {
    to_float(job.c, M, N, l.ldc, c, N);
  }
  for (int64_t k0 = 0; k0 < K; k0 += depth) {
    const int64_t kb = std::min(depth, K - k0);
    // Each panel keeps its operand's orientation; only the leading dimension changes.
    GemmLayout panel{N, kb, 0, 0, N, l.a_transposed, l.b_transposed};
    if (l.a_transposed) {
      to_float(job.a + k0 * l.lda, kb, M, l.lda, a, M);
      panel.lda = std::max<int64_t>(M, 1);
    } else {
      to_float(job.a + k0, M, kb, l.lda, a, kb);
      panel.lda = kb;
    }
    if (l.b_transposed) {
      to_float(job.b + k0, N, kb, l.ldb, b, kb);
      panel.ldb = kb;
    } else {
      to_float(job.b + k0 * l.ldb, kb, N, l.ldb, b, N);
      panel.ldb = N;
    }
    gemm_serial<float>(panel, alpha, k0 == 0 ? beta : 1.0f, GemmJob<float>{M, a, b, c});
  }
  from_float(c, M, N, N, job.c, l.ldc);
}

template void gemm_half_serial<float16_t>(const GemmLayout&, float, float,
                                          const GemmJob<float16_t>&);
template void gemm_half_serial<bfloat16_t>(const GemmLayout&, float, float,
                                           const GemmJob<bfloat16_t>&);

} // namespace mlx::core::cpu
