// Attention blocks of few rows (decoding: one query position, the query heads of one
// key/value head), compiled once per instruction set. With so few rows each key and value is
// used a handful of times, so nothing is repacked: logits are dot products of the query rows
// with key rows read where they lie (a few keys at once, their sums reduced together), and the
// values are accumulated into the output rows straight from their rows. bfloat16 keys use the
// AVX-512 BF16 dot product of pairs against the queries as bfloat16 (exact products, float
// sums). The work per key is small next to reading it: the kernel streams K and V.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "backend/cpu/attention_simd.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr int w = VecF::width;
constexpr int key_block = 128;
// Dot products of up to row_tile rows with key_tile keys at once, and value accumulation of
// row_tile rows by value_vectors vectors: as many accumulators as the registers hold.
constexpr int row_tile = 4;
constexpr int key_tile = w >= 16 ? 4 : 2;
constexpr int value_vectors = w >= 16 ? 4 : 2;
// How far ahead of its use a key row is asked for, in bytes.
constexpr int prefetch_distance = 32768;

// s[r][i] = q[r] . keys[i] over D features, r < nr, i < nk (q rows of ldq floats, zero padded).
template <int nr, int nk, typename T>
void dot_tile(const float* q, int ldq, const T* const* keys, int D, float* s, int lds) {
  VecF acc[nr][nk];
  for (int r = 0; r < nr; ++r) {
    for (int i = 0; i < nk; ++i) {
      acc[r][i] = broadcast(0.0f);
    }
  }
  auto step = [&](int d, int lanes) {
    VecF k[nk];
    for (int i = 0; i < nk; ++i) {
      k[i] = lanes == w ? load(keys[i] + d) : load_partial(keys[i] + d, lanes, 0.0f);
    }
    for (int r = 0; r < nr; ++r) {
      VecF qv = load(q + r * ldq + d);
      for (int i = 0; i < nk; ++i) {
        acc[r][i] = fma(qv, k[i], acc[r][i]);
      }
    }
  };
  int d = 0;
  for (; d + w <= D; d += w) {
    step(d, w);
  }
  if (d < D) {
    step(d, D - d);
  }
  for (int r = 0; r < nr; ++r) {
    sum_lanes(acc[r], nk, s + r * lds);
  }
}

#if defined(__AVX512BF16__)
// As dot_tile for bfloat16 keys, with the queries as bfloat16 words (ldq words a row, zero
// padded to whole vectors): 32 features a step; the last step loads only the row's features.
template <int nr, int nk>
void dot_tile_bf16(const uint32_t* q, int ldq, const bfloat16_t* const* keys, int D, float* s,
                   int lds) {
  __m512 acc[nr][nk];
  for (int r = 0; r < nr; ++r) {
    for (int i = 0; i < nk; ++i) {
      acc[r][i] = _mm512_setzero_ps();
    }
  }
  for (int d = 0; d < D; d += 32) {
    __mmask32 lanes = D - d >= 32 ? ~__mmask32{0} : (__mmask32{1} << (D - d)) - 1;
    __m512bh k[nk];
    for (int i = 0; i < nk; ++i) {
      k[i] = reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(lanes, keys[i] + d));
    }
    for (int r = 0; r < nr; ++r) {
      __m512bh qv = reinterpret_cast<__m512bh>(_mm512_loadu_si512(q + r * ldq + d / 2));
      for (int i = 0; i < nk; ++i) {
        acc[r][i] = _mm512_dpbf16_ps(acc[r][i], qv, k[i]);
      }
    }
  }
  for (int r = 0; r < nr; ++r) {
    VecF sums[nk];
    for (int i = 0; i < nk; ++i) {
      sums[i] = {acc[r][i]};
    }
    sum_lanes(sums, nk, s + r * lds);
  }
}
#endif

// acc[r][c] += p[r][j] * v[c] for r < nr, c < nv.
template <int nr, int nv>
void add_value(VecF (&acc)[nr][nv], const float* p, int ldp, int j, const VecF (&v)[nv]) {
  for (int r = 0; r < nr; ++r) {
    VecF pb = broadcast(p[r * ldp + j]);
    for (int c = 0; c < nv; ++c) {
      acc[r][c] = fma(pb, v[c], acc[r][c]);
    }
  }
}

// o[r][c0 .. c0 + nv w) += sum over j < nb of p[r][j] * values[j][c0 ..], r < nr; the value
// rows end at Dv (a partial last vector is loaded partially).
template <int nr, int nv, typename T>
void accumulate_rows(const float* p, int ldp, const T* values, int64_t ldv, int nb, int c0, int Dv,
                     float* o, int ldo) {
  VecF acc[nr][nv];
  for (int r = 0; r < nr; ++r) {
    for (int c = 0; c < nv; ++c) {
      acc[r][c] = load(o + r * ldo + c0 + c * w);
    }
  }
  if (c0 + nv * w <= Dv) {
    for (int j = 0; j < nb; ++j) {
      const T* row = values + j * ldv + c0;
      VecF v[nv];
      for (int c = 0; c < nv; ++c) {
        v[c] = load(row + c * w);
      }
      add_value(acc, p, ldp, j, v);
    }
  } else {
    // The row's last features, zero padded to whole vectors.
    float padded[nv * w];
    for (int j = 0; j < nb; ++j) {
      widen_row(values + j * ldv + c0, padded, Dv - c0, nv * w, 1.0f);
      VecF v[nv];
      for (int c = 0; c < nv; ++c) {
        v[c] = load(padded + c * w);
      }
      add_value(acc, p, ldp, j, v);
    }
  }
  for (int r = 0; r < nr; ++r) {
    for (int c = 0; c < nv; ++c) {
      store(o + r * ldo + c0 + c * w, acc[r][c]);
    }
  }
}

#if defined(__AVX512BF16__)
// The bfloat16 form of P V: o[r][c0 .. c0 + 32 nc) += sum over key pairs (j, j + 1) of the
// dot product of p[r]'s word j / 2 (two bfloat16 weights) with the two value rows' features
// interleaved. The interleave (unpacklo/hi of 16-bit lanes) leaves each 32-feature chunk of o
// as [features 8l + 0..3 for l < 4 | features 8l + 4..7], which unpair_features() undoes.
template <int nr, int nc>
void accumulate_pairs(const uint32_t* p, int ldp, const bfloat16_t* values, int64_t ldv, int nb,
                      int c0, int Dv, float* o, int ldo) {
  __m512 acc[nr][2 * nc];
  for (int r = 0; r < nr; ++r) {
    for (int c = 0; c < 2 * nc; ++c) {
      acc[r][c] = _mm512_loadu_ps(o + r * ldo + c0 + c * 16);
    }
  }
  for (int j = 0; j < nb; j += 2) {
    __m512bh lo[nc], hi[nc];
    for (int c = 0; c < nc; ++c) {
      int feature = c0 + 32 * c;
      __mmask32 lanes = Dv - feature >= 32 ? ~__mmask32{0} : (__mmask32{1} << (Dv - feature)) - 1;
      __m512i first = _mm512_maskz_loadu_epi16(lanes, values + j * ldv + feature);
      __m512i second = j + 1 < nb
                           ? _mm512_maskz_loadu_epi16(lanes, values + (j + 1) * ldv + feature)
                           : _mm512_setzero_si512();
      lo[c] = reinterpret_cast<__m512bh>(_mm512_unpacklo_epi16(first, second));
      hi[c] = reinterpret_cast<__m512bh>(_mm512_unpackhi_epi16(first, second));
    }
    for (int r = 0; r < nr; ++r) {
      __m512bh weights =
          reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(p[r * ldp + j / 2])));
      for (int c = 0; c < nc; ++c) {
        acc[r][2 * c] = _mm512_dpbf16_ps(acc[r][2 * c], weights, lo[c]);
        acc[r][2 * c + 1] = _mm512_dpbf16_ps(acc[r][2 * c + 1], weights, hi[c]);
      }
    }
  }
  for (int r = 0; r < nr; ++r) {
    for (int c = 0; c < 2 * nc; ++c) {
      _mm512_storeu_ps(o + r * ldo + c0 + c * 16, acc[r][c]);
    }
  }
}

// A row of accumulate_pairs() output (n a multiple of 32) back in feature order.
void unpair_features(float* row, int n) {
  float chunk[32];
  for (int c = 0; c < n; c += 32) {
    for (int l = 0; l < 4; ++l) {
      for (int m = 0; m < 4; ++m) {
        chunk[8 * l + m] = row[c + 4 * l + m];
        chunk[8 * l + 4 + m] = row[c + 16 + 4 * l + m];
      }
    }
    std::copy(chunk, chunk + 32, row + c);
  }
}
#endif

// Asks for the cache lines of row[0..n) to come into L2.
template <typename T>
void prefetch_row(const T* row, int n) {
  for (int i = 0; i < n; i += 64 / sizeof(T)) {
    __builtin_prefetch(row + i, 0, 1);
  }
}

template <typename T>
constexpr bool bf16_dot_available() {
#if defined(__AVX512BF16__)
  return std::is_same_v<T, bfloat16_t>;
#else
  return false;
#endif
}

template <typename T>
struct FewRows {
  const AttentionArgs& a;
  const AttentionBlock& blk;
  BlockRows br;
  int rows, D, Dv;
  static constexpr bool bf16_dot = bf16_dot_available<T>();
  int dvp; // value features padded: to whole vectors, or (bf16_dot) 32-feature chunks
  int ldq; // floats (or bf16_dot words) per query row
  std::unique_ptr<float[]> q, s, o;
  float max[attention_few_rows], sum[attention_few_rows];
  const T* kbase;
  const T* vbase;
  int last_key, keys_ahead;

  FewRows(const AttentionArgs& args, const AttentionBlock& block)
      : a(args), blk(block), br(args, block), rows(br.rows), D(args.D), Dv(args.Dv),
        dvp(round_up(Dv, bf16_dot ? 32 : w)), ldq(bf16_dot ? round_up(D, 32) / 2 : round_up(D, w)),
        kbase(static_cast<const T*>(a.k) + blk.b * a.k_strides[0] + blk.hk * a.k_strides[1]),
        vbase(static_cast<const T*>(a.v) + blk.b * a.v_strides[0] + blk.hk * a.v_strides[1]),
        last_key(std::min(blk.k1, last_visible_key(a, blk.q1 - 1) + 1)),
        keys_ahead(std::max(4, prefetch_distance / std::max(1, static_cast<int>(D * sizeof(T))))) {}

  int head(int r) const { return blk.hk * a.group + r / br.tq; }
  int position(int r) const { return blk.q0 + r % br.tq; }

  // Query rows: float, scaled and zero padded to whole vectors, or (bf16_dot) the bfloat16
  // rows as words, zero padded to whole 32-feature steps.
  void lay_out_queries() {
    q = scratch(static_cast<size_t>(rows) * ldq);
    for (int r = 0; r < rows; ++r) {
      const T* src = static_cast<const T*>(a.q) + blk.b * a.q_strides[0] +
                     head(r) * a.q_strides[1] + position(r) * a.q_strides[2];
      if constexpr (bf16_dot) {
        auto* words = reinterpret_cast<uint16_t*>(q.get() + static_cast<int64_t>(r) * ldq);
        std::fill(words, words + 2 * ldq, uint16_t{0});
        std::memcpy(words, src, D * sizeof(T));
      } else {
        widen_row(src, q.get() + static_cast<int64_t>(r) * ldq, D, ldq, a.scale);
      }
    }
  }

  // s[r][j] = logits of keys j0 + j, j < nb.
  void logits(int j0, int nb) {
    for (int j = 0; j < nb; j += key_tile) {
      int nk = std::min(key_tile, nb - j);
      const T* keys[key_tile];
      for (int i = 0; i < nk; ++i) {
        int key = j0 + j + i;
        keys[i] = kbase + static_cast<int64_t>(key) * a.k_strides[2];
        // Memory streams ahead of use: the keys a few KB on, and this block's values (read
        // once its logits are done). The hardware's own prefetch does not keep up with the
        // two streams.
        prefetch_row(vbase + static_cast<int64_t>(key) * a.v_strides[2], Dv);
        if (key + keys_ahead < last_key) {
          prefetch_row(keys[i] + static_cast<int64_t>(keys_ahead) * a.k_strides[2], D);
        }
      }
      for (int r0 = 0; r0 < rows; r0 += row_tile) {
        float* dst = s.get() + r0 * key_block + j;
        with_count<row_tile>(std::min(row_tile, rows - r0), [&](auto nr_c) {
          with_count<key_tile>(nk, [&](auto nk_c) {
            constexpr int tr = decltype(nr_c)::value, tk = decltype(nk_c)::value;
#if defined(__AVX512BF16__)
            if constexpr (bf16_dot) {
              dot_tile_bf16<tr, tk>(reinterpret_cast<const uint32_t*>(q.get()) + r0 * ldq, ldq,
                                    keys, D, dst, key_block);
              return;
            }
#endif
            dot_tile<tr, tk>(q.get() + r0 * ldq, ldq, keys, D, dst, key_block);
          });
        });
      }
    }
  }

  // Scale, masks, and the online softmax of row r over the block: s[r] becomes the weights.
  void softmax(int r, int j0, int nb) {
    int qi = position(r);
    float* sr = s.get() + r * key_block;
    int visible = std::clamp(last_visible_key(a, qi) + 1 - j0, 0, nb);
    if (bf16_dot) {
      VecF scale = broadcast(a.scale);
      int j = 0;
      for (; j + w <= visible; j += w) {
        store(sr + j, load(sr + j) * scale);
      }
      for (; j < visible; ++j) {
        sr[j] *= a.scale;
      }
    }
    if (a.mask != nullptr) {
      for (int j = 0; j < visible; ++j) {
        sr[j] += mask_term<T>(a, blk.b, head(r), qi, j0 + j);
      }
    }
    std::fill(sr + visible, sr + nb, neg_inf);
    VecF m = broadcast(neg_inf);
    int j = 0;
    for (; j + w <= nb; j += w) {
      m = max_fast(m, load(sr + j));
    }
    float block_max = reduce_max(j < nb ? max_fast(m, load_partial(sr + j, nb - j, neg_inf)) : m);
    float new_max = std::max(max[r], block_max);
    if (new_max == neg_inf) {
      std::fill(sr, sr + nb, 0.0f); // nothing visible yet: no weight
      return;
    }
    VecF shift = broadcast(new_max);
    VecF total = broadcast(0.0f);
    // With bf16_dot the weights are rounded to bfloat16 for the values' dot products; the sum
    // is of the rounded weights, so that they still sum to one.
    auto weight = [&](VecF x) {
      VecF p = exp_shifted<Precision::full>(x, shift);
      return bf16_dot ? round_to<bfloat16_t>(p) : p;
    };
    for (j = 0; j + w <= nb; j += w) {
      VecF p = weight(load(sr + j));
      store(sr + j, p);
      total = total + p;
    }
    if (j < nb) {
      VecF p = weight(load_partial(sr + j, nb - j, neg_inf));
      store_partial(sr + j, p, nb - j);
      total = total + p;
    }
    float factor = max[r] == neg_inf ? 0.0f : std::exp(max[r] - new_max);
    if (factor != 1.0f) {
      VecF f = broadcast(factor);
      float* orow = o.get() + r * dvp;
      for (int d = 0; d < dvp; d += w) {
        store(orow + d, load(orow + d) * f);
      }
    }
    sum[r] = sum[r] * factor + reduce_add(total);
    max[r] = new_max;
  }

  // o[r] += the block's weights times its values.
  void accumulate(int j0, int nb) {
    const T* values = vbase + static_cast<int64_t>(j0) * a.v_strides[2];
#if defined(__AVX512BF16__)
    if constexpr (bf16_dot) {
      // The weights as bfloat16 pairs (exact: they were rounded), zero past the block.
      uint32_t pairs[attention_few_rows * key_block / 2];
      for (int r = 0; r < rows; ++r) {
        auto* half = reinterpret_cast<bfloat16_t*>(pairs + r * key_block / 2);
        const float* sr = s.get() + r * key_block;
        for (int j = 0; j < key_block; j += w) {
          store(half + j,
                j + w <= nb ? load(sr + j) : load_partial(sr + j, std::max(0, nb - j), 0.0f));
        }
      }
      for (int r0 = 0; r0 < rows; r0 += row_tile) {
        for (int c0 = 0; c0 < dvp; c0 += 64) {
          with_count<row_tile>(std::min(row_tile, rows - r0), [&](auto nr_c) {
            with_count<2>(std::min(2, (dvp - c0) / 32), [&](auto nc_c) {
              accumulate_pairs<decltype(nr_c)::value, decltype(nc_c)::value>(
                  pairs + r0 * key_block / 2, key_block / 2, values, a.v_strides[2], nb, c0, Dv,
                  o.get() + r0 * dvp, dvp);
            });
          });
        }
      }
      return;
    }
#endif
    for (int r0 = 0; r0 < rows; r0 += row_tile) {
      for (int c0 = 0; c0 < dvp; c0 += value_vectors * w) {
        with_count<row_tile>(std::min(row_tile, rows - r0), [&](auto nr_c) {
          with_count<value_vectors>(std::min(value_vectors, (dvp - c0) / w), [&](auto nv_c) {
            accumulate_rows<decltype(nr_c)::value, decltype(nv_c)::value>(
                s.get() + r0 * key_block, key_block, values, a.v_strides[2], nb, c0, Dv,
                o.get() + r0 * dvp, dvp);
          });
        });
      }
    }
  }

  void run(float* row_max, float* row_sum, float* acc_out) {
    lay_out_queries();
    s = scratch(static_cast<size_t>(rows) * key_block);
    o = scratch(static_cast<size_t>(rows) * dvp);
    std::fill(o.get(), o.get() + static_cast<size_t>(rows) * dvp, 0.0f);
    std::fill(max, max + rows, neg_inf);
    std::fill(sum, sum + rows, 0.0f);
    for (int j0 = blk.k0; j0 < last_key; j0 += key_block) {
      int nb = std::min(key_block, last_key - j0);
      logits(j0, nb);
      for (int r = 0; r < rows; ++r) {
        softmax(r, j0, nb);
      }
      accumulate(j0, nb);
    }
#if defined(__AVX512BF16__)
    if constexpr (bf16_dot) {
      for (int r = 0; r < rows; ++r) {
        unpair_features(o.get() + r * dvp, dvp);
      }
    }
#endif
    copy_out(rows, Dv, max, sum, o.get(), dvp, row_max, row_sum, acc_out);
  }
};

template <typename T>
void few_rows(const AttentionArgs& args, const AttentionBlock& block, float* row_max,
              float* row_sum, float* acc) {
  FewRows<T>(args, block).run(row_max, row_sum, acc);
}

} // namespace

AttentionBlockKernel attention_few_rows_kernel(Dtype dtype) {
  if (dtype == float16) {
    return few_rows<float16_t>;
  }
  if (dtype == bfloat16) {
    return few_rows<bfloat16_t>;
  }
  return few_rows<float>;
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
