// A native bfloat16 GEMM for CPUs with AVX-512 BF16 (Cooper Lake, Sapphire Rapids, Zen 4):
// vdpbf16ps multiplies pairs of bfloat16 values and adds both products to a float32 lane, twice
// the multiply-adds of a float32 FMA per instruction, and the operands need no conversion.
//
// Goto/BLIS blocking: a [KC x NC] block of B is packed once into strips of NR columns holding,
// for each pair of k, NR dwords (B[k, n], B[k + 1, n]); a [MC x KC] block of A is packed into
// panels of MR rows holding, for each pair of k, MR dwords (A[m, k], A[m, k + 1]). The micro
// kernel keeps an MR x NR tile of C in 2 * MR zmm registers, broadcasting one A dword per row
// against two B vectors per pair of k. Partial sums over the KC blocks accumulate in a float32
// copy of C, rounded to bfloat16 once at the end. Other instruction sets have no native kernel.
#include "backend/cpu/gemm_half_kernels.h"

#if defined(__AVX512BF16__)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>
#endif

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

#if defined(__AVX512BF16__)

namespace {

constexpr int NR = 32;       // columns per micro tile: two zmm of float32
constexpr int MR = 14;       // rows per micro tile: 28 accumulators, 2 B vectors, 1 broadcast
constexpr int64_t KC = 384;  // k per block: a B strip (KC / 2 x NR dwords) fits in L1
constexpr int64_t MC = 168;  // rows per packed A block (12 panels), in L2
constexpr int64_t NC = 2048; // columns per packed B block, in L3

uint32_t pair(bfloat16_t lo, bfloat16_t hi) {
  return static_cast<uint32_t>(lo.bits_) | (static_cast<uint32_t>(hi.bits_) << 16);
}

// Transposes a 16 x 16 block of dwords: out[q] lane j = in[j] lane q.
void transpose16(const __m512i in[16], __m512i out[16]) {
  __m512i t[16], u[16];
  for (int a = 0; a < 8; ++a) {
    t[2 * a] = _mm512_unpacklo_epi32(in[2 * a], in[2 * a + 1]);
    t[2 * a + 1] = _mm512_unpackhi_epi32(in[2 * a], in[2 * a + 1]);
  }
  // u[4b + c], 128-bit lane l: column 4l + c of rows 4b .. 4b + 3.
  for (int b = 0; b < 4; ++b) {
    u[4 * b] = _mm512_unpacklo_epi64(t[4 * b], t[4 * b + 2]);
    u[4 * b + 1] = _mm512_unpackhi_epi64(t[4 * b], t[4 * b + 2]);
    u[4 * b + 2] = _mm512_unpacklo_epi64(t[4 * b + 1], t[4 * b + 3]);
    u[4 * b + 3] = _mm512_unpackhi_epi64(t[4 * b + 1], t[4 * b + 3]);
  }
  // A 4 x 4 transpose of 128-bit lanes among u[c], u[4 + c], u[8 + c], u[12 + c].
  for (int c = 0; c < 4; ++c) {
    __m512i v0 = _mm512_shuffle_i32x4(u[c], u[4 + c], _MM_SHUFFLE(2, 0, 2, 0));
    __m512i v1 = _mm512_shuffle_i32x4(u[c], u[4 + c], _MM_SHUFFLE(3, 1, 3, 1));
    __m512i v2 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], _MM_SHUFFLE(2, 0, 2, 0));
    __m512i v3 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], _MM_SHUFFLE(3, 1, 3, 1));
    out[c] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(2, 0, 2, 0));
    out[8 + c] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(3, 1, 3, 1));
    out[4 + c] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(2, 0, 2, 0));
    out[12 + c] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

// Writes, for pairs [p0, p0 + 16), the dwords of `rows` (<= 16) sources: source j's dwords
// p0 .. p0 + 15 go to dst[p * stride + j]. Missing rows are zero; only `rows` lanes are stored.
void transpose_rows(const uint32_t* const* src, int rows, int64_t p0, uint32_t* dst,
                    int64_t stride) {
  __m512i in[16], out[16];
  for (int j = 0; j < 16; ++j) {
    in[j] = j < rows ? _mm512_loadu_si512(src[j] + p0) : _mm512_setzero_si512();
  }
  transpose16(in, out);
  const __mmask16 lanes = static_cast<__mmask16>((1u << rows) - 1);
  for (int q = 0; q < 16; ++q) {
    _mm512_mask_storeu_epi32(dst + (p0 + q) * stride, lanes, out[q]);
  }
}

// Packs op(B)[k0 : k0 + kc, n0 : n0 + nc] into strips of NR columns, zero beyond the block.
void pack_b(const GemmLayout& l, const bfloat16_t* b, int64_t k0, int64_t kc, int64_t n0,
            int64_t nc, uint32_t* dst) {
  const int64_t pairs = (kc + 1) / 2;
  const int64_t whole = kc / 2; // pairs with both values inside the block
  const bfloat16_t zero = bfloat16_t::from_bits(0);
  for (int64_t s = 0; s * NR < nc; ++s, dst += pairs * NR) {
    const int64_t cols = std::min<int64_t>(NR, nc - s * NR);
    if (l.b_transposed) {
      // B is stored [N, K]: the two values of a pair are adjacent, so column n of the strip is
      // a run of dwords; 16 columns at a time are transposed into place.
      for (int64_t j0 = 0; j0 < cols; j0 += 16) {
        const int rows = static_cast<int>(std::min<int64_t>(16, cols - j0));
        const uint32_t* src[16];
        for (int j = 0; j < rows; ++j) {
          src[j] = reinterpret_cast<const uint32_t*>(b + (n0 + s * NR + j0 + j) * l.ldb + k0);
        }
        int64_t p = 0;
        for (; p + 16 <= whole; p += 16) {
          transpose_rows(src, rows, p, dst + j0, NR);
        }
        for (; p < pairs; ++p) {
          for (int j = 0; j < rows; ++j) {
            const bfloat16_t* v = reinterpret_cast<const bfloat16_t*>(src[j] + p);
            dst[p * NR + j0 + j] = pair(v[0], p < whole ? v[1] : zero);
          }
        }
      }
    } else {
      // B is stored [K, N]: a pair interleaves two rows, 32 columns per vector.
      const __m512i first = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
      const __m512i second = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
      for (int64_t p = 0; p < pairs; ++p) {
        const bfloat16_t* row0 = b + (k0 + 2 * p) * l.ldb + n0 + s * NR;
        const bfloat16_t* row1 = row0 + l.ldb;
        if (cols == NR && p < whole) {
          __m512i r0 = _mm512_loadu_si512(row0), r1 = _mm512_loadu_si512(row1);
          __m512i lo = _mm512_unpacklo_epi16(r0, r1), hi = _mm512_unpackhi_epi16(r0, r1);
          _mm512_storeu_si512(dst + p * NR, _mm512_permutex2var_epi64(lo, first, hi));
          _mm512_storeu_si512(dst + p * NR + 16, _mm512_permutex2var_epi64(lo, second, hi));
          continue;
        }
        for (int64_t j = 0; j < cols; ++j) {
          dst[p * NR + j] = pair(row0[j], p < whole ? row1[j] : zero);
        }
      }
    }
    for (int64_t j = cols; j < NR; ++j) {
      for (int64_t p = 0; p < pairs; ++p) {
        dst[p * NR + j] = 0;
      }
    }
  }
}

// Packs op(A)[m0 : m0 + mc, k0 : k0 + kc] into panels of MR rows (the last may be shorter; a
// panel of r rows holds r dwords per pair of k).
void pack_a(const GemmLayout& l, const bfloat16_t* a, int64_t m0, int64_t mc, int64_t k0,
            int64_t kc, uint32_t* dst) {
  const int64_t pairs = (kc + 1) / 2;
  const int64_t whole = kc / 2;
  const bfloat16_t zero = bfloat16_t::from_bits(0);
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    const int rows = static_cast<int>(std::min<int64_t>(MR, mc - i0));
    if (!l.a_transposed) {
      const uint32_t* src[16];
      for (int i = 0; i < rows; ++i) {
        src[i] = reinterpret_cast<const uint32_t*>(a + (m0 + i0 + i) * l.lda + k0);
      }
      int64_t p = 0;
      for (; p + 16 <= whole; p += 16) {
        transpose_rows(src, rows, p, dst, rows);
      }
      for (; p < pairs; ++p) {
        for (int i = 0; i < rows; ++i) {
          const bfloat16_t* v = reinterpret_cast<const bfloat16_t*>(src[i] + p);
          dst[p * rows + i] = pair(v[0], p < whole ? v[1] : zero);
        }
      }
    } else {
      for (int i = 0; i < rows; ++i) {
        const int64_t m = m0 + i0 + i;
        for (int64_t p = 0; p < pairs; ++p) {
          const int64_t k = k0 + 2 * p;
          dst[p * rows + i] = pair(a[k * l.lda + m], p < whole ? a[(k + 1) * l.lda + m] : zero);
        }
      }
    }
    dst += rows * pairs;
  }
}

// c[i, 0 : NR] += sum over pairs of the packed A panel (ROWS rows) times the packed B strip.
template <int ROWS>
void micro_kernel(int64_t pairs, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc) {
  __m512 acc[ROWS][2];
#pragma GCC unroll 14
  for (int i = 0; i < ROWS; ++i) {
    acc[i][0] = _mm512_setzero_ps();
    acc[i][1] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < pairs; ++p, a += ROWS, b += NR) {
    __m512bh b0 = (__m512bh)_mm512_loadu_si512(b);
    __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + 16);
#pragma GCC unroll 14
    for (int i = 0; i < ROWS; ++i) {
      __m512bh ai = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[i]));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < ROWS; ++i) {
    float* row = c + i * ldc;
    _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), acc[i][0]));
    _mm512_storeu_ps(row + 16, _mm512_add_ps(_mm512_loadu_ps(row + 16), acc[i][1]));
  }
}

using MicroKernel = void (*)(int64_t, const uint32_t*, const uint32_t*, float*, int64_t);

template <int... Rows>
constexpr std::array<MicroKernel, sizeof...(Rows)>
micro_kernels(std::integer_sequence<int, Rows...>) {
  return {micro_kernel<Rows + 1>...};
}

constexpr auto kernels_by_rows = micro_kernels(std::make_integer_sequence<int, MR>{});

float* scratch_floats(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) {
    v.resize(n);
  }
  return v.data();
}

uint32_t* scratch_dwords(std::vector<uint32_t>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) {
    v.resize(n);
  }
  return v.data();
}

void gemm_bf16(const GemmLayout& l, float alpha, float beta, const GemmJob<bfloat16_t>& job,
               const HalfKernels<bfloat16_t>& convert) {
  thread_local std::vector<float> c_buffer, row_buffer;
  thread_local std::vector<uint32_t> a_buffer, b_buffer;
  const int64_t M = job.M, N = l.N, K = l.K;
  const int64_t padded_n = (N + NR - 1) / NR * NR;
  float* c = scratch_floats(c_buffer, M * padded_n);
  std::fill(c, c + M * padded_n, 0.0f);
  const int64_t max_pairs = (std::min(K, KC) + 1) / 2;
  uint32_t* bp = scratch_dwords(b_buffer, max_pairs * std::min(padded_n, NC));
  uint32_t* ap = scratch_dwords(a_buffer, max_pairs * std::min(M, MC));
  for (int64_t n0 = 0; n0 < N; n0 += NC) {
    const int64_t nc = std::min(NC, N - n0);
    for (int64_t k0 = 0; k0 < K; k0 += KC) {
      const int64_t kc = std::min(KC, K - k0);
      const int64_t pairs = (kc + 1) / 2;
      pack_b(l, job.b, k0, kc, n0, nc, bp);
      for (int64_t m0 = 0; m0 < M; m0 += MC) {
        const int64_t mc = std::min(MC, M - m0);
        pack_a(l, job.a, m0, mc, k0, kc, ap);
        for (int64_t s = 0; s * NR < nc; ++s) {
          const uint32_t* strip = bp + s * pairs * NR;
          for (int64_t i0 = 0; i0 < mc; i0 += MR) {
            const int64_t rows = std::min<int64_t>(MR, mc - i0);
            kernels_by_rows[rows - 1](pairs, ap + i0 * pairs, strip,
                                      c + (m0 + i0) * padded_n + n0 + s * NR, padded_n);
          }
        }
      }
    }
  }
  // C = alpha * (A @ B) + beta * C, rounded once.
  float* old = beta != 0.0f ? scratch_floats(row_buffer, N) : nullptr;
  for (int64_t m = 0; m < M; ++m) {
    float* row = c + m * padded_n;
    bfloat16_t* out = job.c + m * l.ldc;
    if (old) {
      convert.to_float(out, N, old);
    }
    for (int64_t n = 0; n < N; ++n) {
      row[n] = alpha * row[n] + (old ? beta * old[n] : 0.0f);
    }
    convert.from_float(row, N, out);
  }
}

} // namespace

NativeGemm<bfloat16_t> native_bfloat16_gemm() {
  return gemm_bf16;
}

#else

NativeGemm<bfloat16_t> native_bfloat16_gemm() {
  return nullptr;
}

#endif

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
