// Attention blocks of many rows (prefill), compiled once per instruction set. The block's
// queries are laid out transposed, [D][rows], once; then for each block of keys:
//  - the logits come transposed, S^T[key][row], from a register-blocked kernel: each step over
//    the head dimension broadcasts one element of a few key rows (read where they lie) against
//    vectors of rows of Q^T. bfloat16 keys and queries use the AVX-512 BF16 dot product of
//    pairs instead (twice the products per instruction, exact products, float sums);
//  - the online softmax runs along keys with rows in the vector lanes;
//  - P V accumulates into the block's float output rows with a second register-blocked kernel
//    (a P^T element broadcast against vectors of a value row).
// Neither kernel transposes anything per key block; keys and values of half types are widened
// to float rows first, and the [Lq, Lk] score matrix never exists beyond one block.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "backend/cpu/attention_simd.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr int w = VecF::width;
constexpr int key_block = 64;
// A micro-tile is key_tile keys (or rows, for P V) by up to max_vectors vectors of rows (or
// value features): as many accumulators as the registers hold beside the operands.
constexpr int key_tile = 4;
constexpr int max_vectors = w >= 16 ? 4 : 2;

// st[i][0 .. nv w) = sum over d of keys[i][d] * qt[d][0 .. nv w), for i < nk.
template <int nk, int nv>
void logits_tile(const float* qt, int ldq, const float* const* keys, int D, float* st, int lds) {
  VecF acc[nk][nv];
  for (int i = 0; i < nk; ++i) {
    for (int c = 0; c < nv; ++c) {
      acc[i][c] = broadcast(0.0f);
    }
  }
  for (int d = 0; d < D; ++d) {
    VecF q[nv];
    for (int c = 0; c < nv; ++c) {
      q[c] = load(qt + static_cast<int64_t>(d) * ldq + c * w);
    }
    for (int i = 0; i < nk; ++i) {
      VecF k = broadcast(keys[i][d]);
      for (int c = 0; c < nv; ++c) {
        acc[i][c] = fma(k, q[c], acc[i][c]);
      }
    }
  }
  for (int i = 0; i < nk; ++i) {
    for (int c = 0; c < nv; ++c) {
      store(st + static_cast<int64_t>(i) * lds + c * w, acc[i][c]);
    }
  }
}

#if defined(__AVX512BF16__)
// As logits_tile, over bfloat16 pairs: qt holds [D / 2][rows] words (two bfloat16 of a row),
// keys[i] the key rows themselves, read a word (two features) at a time.
template <int nk, int nv>
void logits_tile_bf16(const uint32_t* qt, int ldq, const bfloat16_t* const* keys, int pairs,
                      float* st, int lds) {
  __m512 acc[nk][nv];
  for (int i = 0; i < nk; ++i) {
    for (int c = 0; c < nv; ++c) {
      acc[i][c] = _mm512_setzero_ps();
    }
  }
  for (int p = 0; p < pairs; ++p) {
    __m512bh q[nv];
    for (int c = 0; c < nv; ++c) {
      q[c] = reinterpret_cast<__m512bh>(
          _mm512_loadu_si512(qt + static_cast<int64_t>(p) * ldq + c * w));
    }
    for (int i = 0; i < nk; ++i) {
      uint32_t word;
      std::memcpy(&word, keys[i] + 2 * p, sizeof(word));
      __m512bh k = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(word)));
      for (int c = 0; c < nv; ++c) {
        acc[i][c] = _mm512_dpbf16_ps(acc[i][c], k, q[c]);
      }
    }
  }
  for (int i = 0; i < nk; ++i) {
    for (int c = 0; c < nv; ++c) {
      _mm512_storeu_ps(st + static_cast<int64_t>(i) * lds + c * w, acc[i][c]);
    }
  }
}
#endif

// o[m0 + i][0 .. nv w) += sum over keys j < nb of pt[j][m0 + i] * values[j][0 .. nv w), i < 4.
template <int nv>
void accumulate_tile(const float* pt, int ldp, int m0, const float* values, int64_t ldv, int nb,
                     float* o, int ldo) {
  constexpr int mr = key_tile;
  VecF acc[mr][nv];
  for (int i = 0; i < mr; ++i) {
    for (int c = 0; c < nv; ++c) {
      acc[i][c] = load(o + static_cast<int64_t>(m0 + i) * ldo + c * w);
    }
  }
  for (int j = 0; j < nb; ++j) {
    VecF v[nv];
    for (int c = 0; c < nv; ++c) {
      v[c] = load(values + j * ldv + c * w);
    }
    const float* p = pt + static_cast<int64_t>(j) * ldp + m0;
    for (int i = 0; i < mr; ++i) {
      VecF pb = broadcast(p[i]);
      for (int c = 0; c < nv; ++c) {
        acc[i][c] = fma(pb, v[c], acc[i][c]);
      }
    }
  }
  for (int i = 0; i < mr; ++i) {
    for (int c = 0; c < nv; ++c) {
      store(o + static_cast<int64_t>(m0 + i) * ldo + c * w, acc[i][c]);
    }
  }
}

#if defined(__AVX512BF16__)
// As accumulate_tile over pairs of keys: pt holds [keys / 2][rows] words (the weights of two
// keys for a row), values [keys / 2][features] words (two keys' values of a feature).
template <int nv>
void accumulate_tile_bf16(const uint32_t* pt, int ldp, int m0, const uint32_t* values, int ldv,
                          int pairs, float* o, int ldo) {
  constexpr int mr = key_tile;
  __m512 acc[mr][nv];
  for (int i = 0; i < mr; ++i) {
    for (int c = 0; c < nv; ++c) {
      acc[i][c] = _mm512_loadu_ps(o + static_cast<int64_t>(m0 + i) * ldo + c * w);
    }
  }
  for (int j = 0; j < pairs; ++j) {
    __m512bh v[nv];
    for (int c = 0; c < nv; ++c) {
      v[c] = reinterpret_cast<__m512bh>(
          _mm512_loadu_si512(values + static_cast<int64_t>(j) * ldv + c * w));
    }
    const uint32_t* p = pt + static_cast<int64_t>(j) * ldp + m0;
    for (int i = 0; i < mr; ++i) {
      __m512bh pb = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(p[i])));
      for (int c = 0; c < nv; ++c) {
        acc[i][c] = _mm512_dpbf16_ps(acc[i][c], pb, v[c]);
      }
    }
  }
  for (int i = 0; i < mr; ++i) {
    for (int c = 0; c < nv; ++c) {
      _mm512_storeu_ps(o + static_cast<int64_t>(m0 + i) * ldo + c * w, acc[i][c]);
    }
  }
}

// 16-bit lanes (a0, b0, a1, b1, ...) from the first 16 of a and the first 16 of b.
inline __m512i interleave_low16(__m512i a, __m512i b) {
  const __m512i order = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40,
                                         8, 39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
  return _mm512_permutex2var_epi16(a, order, b);
}
#endif

template <typename T>
constexpr bool bf16_dot_available() {
#if defined(__AVX512BF16__)
  return std::is_same_v<T, bfloat16_t>;
#else
  return false;
#endif
}

template <typename T>
struct ManyRows {
  const AttentionArgs& a;
  const AttentionBlock& blk;
  BlockRows br;
  int rp;  // rows padded to whole vectors
  int dvp; // value features padded to whole vectors
  // bfloat16 pairs through the dot-product instruction: keys are then read a word at a time,
  // which an odd head dimension would take past the end of a row.
  bool bf16_dot;
  // P V in bfloat16 pairs too (any head dimension): the weights are rounded to bfloat16, as
  // MLX's own bfloat16 attention rounds them.
  static constexpr bool bf16_values = bf16_dot_available<T>();
  std::unique_ptr<float[]> qt, st, o, max, sum, corr, limit, kbuf, vbuf, pairs;

  ManyRows(const AttentionArgs& args, const AttentionBlock& block)
      : a(args), blk(block), br(args, block), rp(round_up(br.rows, w)), dvp(round_up(args.Dv, w)),
        bf16_dot(bf16_dot_available<T>() && args.D % 2 == 0) {}

  const T* query_row(int r) const {
    int h = blk.hk * a.group + r / br.tq;
    int qi = blk.q0 + r % br.tq;
    return static_cast<const T*>(a.q) + blk.b * a.q_strides[0] + h * a.q_strides[1] +
           qi * a.q_strides[2];
  }

  // Q^T of the block: floats scaled by `scale`, or (bf16_dot) bfloat16 pairs as words.
  void lay_out_queries() {
    int D = a.D;
    if (bf16_dot) {
      int pairs = D / 2;
      qt = scratch(static_cast<size_t>(pairs) * rp);
      auto* words = reinterpret_cast<uint32_t*>(qt.get());
      for (int r = 0; r < rp; ++r) {
        for (int p = 0; p < pairs; ++p) {
          uint32_t word = 0;
          if (r < br.rows) {
            std::memcpy(&word, query_row(r) + 2 * p, sizeof(word));
          }
          words[static_cast<int64_t>(p) * rp + r] = word;
        }
      }
      return;
    }
    qt = scratch(static_cast<size_t>(D) * rp);
    for (int r = 0; r < rp; ++r) {
      const T* src = r < br.rows ? query_row(r) : nullptr;
      for (int d = 0; d < D; ++d) {
        qt[static_cast<int64_t>(d) * rp + r] = src ? static_cast<float>(src[d]) * a.scale : 0.0f;
      }
    }
  }

  // st[j][..] = logits of keys j0 + j, j < nb, for every (padded) row.
  void logits(int j0, int nb) {
    const T* kbase = static_cast<const T*>(a.k) + blk.b * a.k_strides[0] + blk.hk * a.k_strides[1];
    auto key = [&](int j) { return kbase + static_cast<int64_t>(j0 + j) * a.k_strides[2]; };
    for (int j = 0; j < nb; j += key_tile) {
      int nk = std::min(key_tile, nb - j);
      for (int c0 = 0; c0 < rp; c0 += max_vectors * w) {
        int nv = std::min(max_vectors, (rp - c0) / w);
        float* dst = st.get() + static_cast<int64_t>(j) * rp + c0;
        with_count<key_tile>(nk, [&](auto nk_c) {
          with_count<max_vectors>(nv, [&](auto nv_c) {
#if defined(__AVX512BF16__)
            if constexpr (std::is_same_v<T, bfloat16_t>) {
              if (bf16_dot) {
                const bfloat16_t* rows[key_tile];
                for (int i = 0; i < decltype(nk_c)::value; ++i) {
                  rows[i] = key(j + i);
                }
                logits_tile_bf16<decltype(nk_c)::value, decltype(nv_c)::value>(
                    reinterpret_cast<const uint32_t*>(qt.get()) + c0, rp, rows, a.D / 2, dst, rp);
                return;
              }
            }
#endif
            const float* rows[key_tile];
            for (int i = 0; i < decltype(nk_c)::value; ++i) {
              if constexpr (std::is_same_v<T, float>) {
                rows[i] = key(j + i);
              } else {
                rows[i] = kbuf.get() + static_cast<int64_t>(j + i) * a.D;
              }
            }
            logits_tile<decltype(nk_c)::value, decltype(nv_c)::value>(qt.get() + c0, rp, rows, a.D,
                                                                      dst, rp);
          });
        });
      }
    }
  }

  // The scale (when the queries were not scaled), the causal limit and the mask array.
  void adjust_logits(int j0, int nb) {
    float min_limit = static_cast<float>(last_visible_key(a, blk.q0));
    bool causal_cut = a.causal && static_cast<float>(j0 + nb - 1) > min_limit;
    if (bf16_dot || causal_cut) {
      VecF scale = broadcast(bf16_dot ? a.scale : 1.0f);
      for (int j = 0; j < nb; ++j) {
        VecF key = broadcast(static_cast<float>(j0 + j));
        for (int c = 0; c < rp; c += w) {
          float* s = st.get() + static_cast<int64_t>(j) * rp + c;
          VecF x = load(s) * scale;
          if (causal_cut) {
            x = select_less(load(limit.get() + c), key, broadcast(neg_inf), x);
          }
          store(s, x);
        }
      }
    }
    if (a.mask != nullptr) {
      for (int r = 0; r < br.rows; ++r) {
        int h = blk.hk * a.group + r / br.tq;
        int qi = blk.q0 + r % br.tq;
        for (int j = 0; j < nb; ++j) {
          st[static_cast<int64_t>(j) * rp + r] += mask_term<T>(a, blk.b, h, qi, j0 + j);
        }
      }
    }
  }

  // Online softmax over the block's keys: st becomes P^T, corr the factor by which earlier
  // outputs shrink.
  void softmax(int nb) {
    for (int c = 0; c < rp; c += w) {
      VecF block_max = broadcast(neg_inf);
      for (int j = 0; j < nb; ++j) {
        block_max = max_fast(block_max, load(st.get() + static_cast<int64_t>(j) * rp + c));
      }
      VecF old_max = load(max.get() + c);
      VecF new_max = max_fast(old_max, block_max);
      // Rows with every key masked so far keep max -inf: exponentiate around 0 there.
      VecF shift = select_less(new_max, broadcast(-3.4e38f), broadcast(0.0f), new_max);
      VecF factor = exp_shifted<Precision::full>(old_max, shift);
      VecF total = broadcast(0.0f);
      for (int j = 0; j < nb; ++j) {
        float* s = st.get() + static_cast<int64_t>(j) * rp + c;
        VecF p = exp_shifted<Precision::full>(load(s), shift);
        if constexpr (bf16_values) {
          p = round_to<bfloat16_t>(p); // the sum is of the weights P V will use
        }
        store(s, p);
        total = total + p;
      }
      store(sum.get() + c, fma(load(sum.get() + c), factor, total));
      store(max.get() + c, new_max);
      store(corr.get() + c, factor);
    }
    for (int r = 0; r < rp; ++r) {
      float f = corr[r];
      if (f != 1.0f) {
        VecF fv = broadcast(f);
        float* row = o.get() + static_cast<int64_t>(r) * dvp;
        for (int d = 0; d < dvp; d += w) {
          store(row + d, load(row + d) * fv);
        }
      }
    }
  }

  void accumulate(int j0, int nb) {
    const T* vbase = static_cast<const T*>(a.v) + blk.b * a.v_strides[0] + blk.hk * a.v_strides[1] +
                     static_cast<int64_t>(j0) * a.v_strides[2];
#if defined(__AVX512BF16__)
    if constexpr (bf16_values) {
      accumulate_pairs(vbase, nb);
      return;
    }
#endif
    // Float value rows of whole vectors are read where they lie; others are widened first.
    const float* values = vbuf.get();
    int64_t ldv = dvp;
    if constexpr (std::is_same_v<T, float>) {
      if (a.Dv % w == 0) {
        values = vbase;
        ldv = a.v_strides[2];
      }
    }
    if (values == vbuf.get()) {
      for (int j = 0; j < nb; ++j) {
        widen_row(vbase + static_cast<int64_t>(j) * a.v_strides[2],
                  vbuf.get() + static_cast<int64_t>(j) * dvp, a.Dv, dvp, 1.0f);
      }
    }
    for (int m0 = 0; m0 < rp; m0 += key_tile) {
      for (int c0 = 0; c0 < dvp; c0 += max_vectors * w) {
        int nv = std::min(max_vectors, (dvp - c0) / w);
        with_count<max_vectors>(nv, [&](auto nv_c) {
          accumulate_tile<decltype(nv_c)::value>(st.get(), rp, m0, values + c0, ldv, nb,
                                                 o.get() + c0, dvp);
        });
      }
    }
  }

#if defined(__AVX512BF16__)
  // P V with pairs of keys: P^T and the value rows interleaved by pairs of keys (a key past
  // nb weighs and holds zero), then accumulate_tile_bf16.
  void accumulate_pairs(const bfloat16_t* vbase, int nb) {
    int npairs = (nb + 1) / 2;
    auto* pw = reinterpret_cast<uint32_t*>(pairs.get());
    auto* vw = reinterpret_cast<uint32_t*>(vbuf.get());
    __m512 zero = _mm512_setzero_ps();
    for (int j = 0; j < nb; j += 2) {
      const float* first = st.get() + static_cast<int64_t>(j) * rp;
      const float* second = j + 1 < nb ? first + rp : nullptr;
      for (int c = 0; c < rp; c += w) {
        // [first 16 | second 16] as bfloat16 (exact: the weights were rounded), interleaved.
        __m512i both = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(
            second ? _mm512_loadu_ps(second + c) : zero, _mm512_loadu_ps(first + c)));
        _mm512_storeu_si512(pw + static_cast<int64_t>(j / 2) * rp + c,
                            interleave_low16(both, _mm512_shuffle_i64x2(both, both, 0xee)));
      }
      const bfloat16_t* v0 = vbase + static_cast<int64_t>(j) * a.v_strides[2];
      const bfloat16_t* v1 = v0 + a.v_strides[2];
      for (int f = 0; f < dvp; f += w) {
        __mmask32 lanes = a.Dv - f >= w ? __mmask32{0xffff} : (__mmask32{1} << (a.Dv - f)) - 1;
        __m512i x0 = _mm512_maskz_loadu_epi16(lanes, v0 + f);
        __m512i x1 = j + 1 < nb ? _mm512_maskz_loadu_epi16(lanes, v1 + f) : _mm512_setzero_si512();
        _mm512_storeu_si512(vw + static_cast<int64_t>(j / 2) * dvp + f, interleave_low16(x0, x1));
      }
    }
    for (int m0 = 0; m0 < rp; m0 += key_tile) {
      for (int c0 = 0; c0 < dvp; c0 += max_vectors * w) {
        int nv = std::min(max_vectors, (dvp - c0) / w);
        with_count<max_vectors>(nv, [&](auto nv_c) {
          accumulate_tile_bf16<decltype(nv_c)::value>(pw, rp, m0, vw + c0, dvp, npairs,
                                                      o.get() + c0, dvp);
        });
      }
    }
  }
#endif

  void run(float* row_max, float* row_sum, float* acc_out) {
    lay_out_queries();
    st = scratch(static_cast<size_t>(key_block) * rp);
    o = scratch(static_cast<size_t>(rp) * dvp);
    max = scratch(rp);
    sum = scratch(rp);
    corr = scratch(rp);
    limit = scratch(rp);
    std::fill(o.get(), o.get() + static_cast<size_t>(rp) * dvp, 0.0f);
    std::fill(max.get(), max.get() + rp, neg_inf);
    std::fill(sum.get(), sum.get() + rp, 0.0f);
    for (int r = 0; r < rp; ++r) {
      // Padding rows see no key.
      limit[r] = r < br.rows ? static_cast<float>(last_visible_key(a, blk.q0 + r % br.tq)) : -1.0f;
    }
    if (!std::is_same_v<T, float> && !bf16_dot) {
      kbuf = scratch(static_cast<size_t>(key_block) * a.D);
    }
    vbuf = scratch(static_cast<size_t>(key_block) * dvp);
    if (bf16_values) {
      pairs = scratch(static_cast<size_t>(key_block / 2) * rp);
    }
    int last_key = std::min(blk.k1, last_visible_key(a, blk.q1 - 1) + 1);
    for (int j0 = blk.k0; j0 < last_key; j0 += key_block) {
      int nb = std::min(key_block, last_key - j0);
      if (kbuf) {
        const T* kbase =
            static_cast<const T*>(a.k) + blk.b * a.k_strides[0] + blk.hk * a.k_strides[1];
        for (int j = 0; j < nb; ++j) {
          widen_row(kbase + static_cast<int64_t>(j0 + j) * a.k_strides[2],
                    kbuf.get() + static_cast<int64_t>(j) * a.D, a.D, a.D, 1.0f);
        }
      }
      logits(j0, nb);
      adjust_logits(j0, nb);
      softmax(nb);
      accumulate(j0, nb);
    }
    copy_out(br.rows, a.Dv, max.get(), sum.get(), o.get(), dvp, row_max, row_sum, acc_out);
  }
};

template <typename T>
void many_rows(const AttentionArgs& args, const AttentionBlock& block, float* row_max,
               float* row_sum, float* acc) {
  ManyRows<T>(args, block).run(row_max, row_sum, acc);
}

} // namespace

AttentionBlockKernel attention_many_rows_kernel(Dtype dtype) {
  if (dtype == float16) {
    return many_rows<float16_t>;
  }
  if (dtype == bfloat16) {
    return many_rows<bfloat16_t>;
  }
  return many_rows<float>;
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
