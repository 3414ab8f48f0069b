// Pieces the attention block kernels (attention_decode_isa.cpp, attention_prefill_isa.cpp)
// share. Include only from *_isa.cpp files, after float_vec.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>

#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/fast_vec.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

constexpr float neg_inf = -INFINITY;

// Uninitialized float scratch (every kernel writes before it reads).
inline std::unique_ptr<float[]> scratch(size_t n) {
  return std::make_unique_for_overwrite<float[]>(n);
}

// Calls f(std::integral_constant<int, n>{}) for a run-time n in [1, N]: kernels whose tile
// sizes are constants keep their accumulators in registers.
template <int N, typename F>
void with_count(int n, F&& f) {
  if constexpr (N >= 1) {
    if (n == N) {
      f(std::integral_constant<int, N>{});
    } else {
      with_count<N - 1>(n, f);
    }
  }
}

inline int round_up(int n, int m) {
  return (n + m - 1) / m * m;
}

// The rows of a block: head-major, row r at query position q0 + r % tq of head
// hk * group + r / tq.
struct BlockRows {
  int tq, rows;
  BlockRows(const AttentionArgs& args, const AttentionBlock& block)
      : tq(block.q1 - block.q0), rows(args.group * (block.q1 - block.q0)) {}
};

// The last key query position qi sees (keys beyond it are masked by causality).
inline int last_visible_key(const AttentionArgs& args, int qi) {
  return args.causal ? qi + args.Lk - args.Lq : args.Lk - 1;
}

// The mask array's term for one logit: 0 or -inf (boolean), or the additive value.
template <typename T>
float mask_term(const AttentionArgs& args, int b, int h, int qi, int key) {
  const int64_t* s = args.mask_strides;
  int64_t offset = b * s[0] + h * s[1] + qi * s[2] + key * s[3];
  if (args.mask_is_bool) {
    return static_cast<const bool*>(args.mask)[offset] ? 0.0f : neg_inf;
  }
  return static_cast<float>(static_cast<const T*>(args.mask)[offset]);
}

// dst[0..padded) = src[0..n) * scale as float, zero past n.
template <typename T>
void widen_row(const T* src, float* dst, int n, int padded, float scale) {
  constexpr int w = VecF::width;
  VecF s = broadcast(scale);
  int i = 0;
  for (; i + w <= n; i += w) {
    store(dst + i, load(src + i) * s);
  }
  if (i < n) {
    int lanes = std::min(w, padded - i);
    store_partial(dst + i, load_partial(src + i, n - i, 0.0f) * s, lanes);
    i += lanes;
  }
  for (; i < padded; ++i) {
    dst[i] = 0.0f;
  }
}

// out[i] = the sum of x[i]'s lanes, i < n <= 4.
[[gnu::always_inline]] inline void sum_lanes(const VecF* x, int n, float* out) {
#if defined(__AVX512F__)
  __m512 zero = _mm512_setzero_ps();
  __m512 x0 = x[0].v, x1 = n > 1 ? x[1].v : zero, x2 = n > 2 ? x[2].v : zero,
         x3 = n > 3 ? x[3].v : zero;
  // Halves, then quarters, of pairs of vectors side by side; then within 128-bit lanes.
  __m512 a01 =
      _mm512_add_ps(_mm512_shuffle_f32x4(x0, x1, 0x44), _mm512_shuffle_f32x4(x0, x1, 0xee));
  __m512 a23 =
      _mm512_add_ps(_mm512_shuffle_f32x4(x2, x3, 0x44), _mm512_shuffle_f32x4(x2, x3, 0xee));
  __m512 q =
      _mm512_add_ps(_mm512_shuffle_f32x4(a01, a23, 0x88), _mm512_shuffle_f32x4(a01, a23, 0xdd));
  q = _mm512_add_ps(q, _mm512_permute_ps(q, 0x4e));
  q = _mm512_add_ps(q, _mm512_permute_ps(q, 0xb1));
  __m128 sums = _mm512_castps512_ps128(
      _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), q));
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, sums);
  std::copy(lanes, lanes + n, out);
#elif defined(__AVX2__)
  __m256 zero = _mm256_setzero_ps();
  __m256 x0 = x[0].v, x1 = n > 1 ? x[1].v : zero, x2 = n > 2 ? x[2].v : zero,
         x3 = n > 3 ? x[3].v : zero;
  __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(x0, x1), _mm256_hadd_ps(x2, x3));
  __m128 sums = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, sums);
  std::copy(lanes, lanes + n, out);
#else
  for (int i = 0; i < n; ++i) {
    out[i] = reduce_add(x[i]);
  }
#endif
}

// Writes a block's state for the caller: the first `rows` rows of max/sum, and of acc (rows
// of `ld` floats) as rows of Dv.
inline void copy_out(int rows, int Dv, const float* max, const float* sum, const float* acc, int ld,
                     float* row_max, float* row_sum, float* out) {
  for (int r = 0; r < rows; ++r) {
    row_max[r] = max[r];
    row_sum[r] = sum[r];
    std::copy(acc + static_cast<int64_t>(r) * ld, acc + static_cast<int64_t>(r) * ld + Dv,
              out + static_cast<int64_t>(r) * Dv);
  }
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
