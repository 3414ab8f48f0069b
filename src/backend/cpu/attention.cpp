// Scaled dot-product attention, flash style: queries in tiles, keys and values streamed in
// blocks, softmax computed online (running max and sum), so the [Lq, Lk] score matrix is never
// materialised. The query heads that share a key/value head (grouped-query attention) are
// processed together so K and V are read once per group. With few tiles (decode), the keys
// are also split across threads and the partial results merged (split-K).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/copy.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/fast.h"

namespace mlx::core {

namespace {

constexpr int key_block = 64;
constexpr int query_tile = 16; // query positions per tile (times the group's heads)
constexpr float neg_inf = -std::numeric_limits<float>::infinity();

float dot(const float* a, const float* b, int n) {
  constexpr int lanes = 8;
  float acc[lanes] = {};
  int i = 0;
  for (; i + lanes <= n; i += lanes) {
    for (int k = 0; k < lanes; ++k) {
      acc[k] += a[i + k] * b[i + k];
    }
  }
  float total = 0;
  for (int k = 0; k < lanes; ++k) {
    total += acc[k];
  }
  for (; i < n; ++i) {
    total += a[i] * b[i];
  }
  return total;
}

// Running softmax state of one query row: max logit, sum of exp, weighted sum of values.
struct RowState {
  float max = neg_inf;
  float sum = 0;
};

// Merges `other` (with its accumulator) into `state` (with its accumulator).
void merge(RowState& state, float* acc, const RowState& other, const float* other_acc, int dv) {
  float m = std::max(state.max, other.max);
  if (m == neg_inf) {
    return;
  }
  float a = state.max == neg_inf ? 0.0f : std::exp(state.max - m);
  float b = other.max == neg_inf ? 0.0f : std::exp(other.max - m);
  for (int d = 0; d < dv; ++d) {
    acc[d] = acc[d] * a + other_acc[d] * b;
  }
  state.sum = state.sum * a + other.sum * b;
  state.max = m;
}

template <typename T>
struct Attention {
  const array& q;
  const array& k;
  const array& v;
  const array* mask; // broadcast [B, Hq, Lq, Lk], bool or T
  const float* sinks;
  float scale;
  bool causal;
  int Hq, Hkv, Lq, Lk, D, Dv, group;

  // Computes rows (b, kv head hk, query positions [q0, q1)) over keys [k0, k1), leaving the
  // unnormalized state in `states`/`acc` (rows ordered head-major within the group).
  void run(int b, int hk, int q0, int q1, int k0, int k1, std::vector<RowState>& states,
           std::vector<float>& acc) const {
    int tq = q1 - q0;
    int rows = group * tq;
    std::vector<float> qf(static_cast<size_t>(rows) * D);
    std::vector<float> kf(static_cast<size_t>(key_block) * D);
    std::vector<float> vf(static_cast<size_t>(key_block) * Dv);
    std::vector<float> scores(key_block);
    states.assign(rows, RowState{});
    acc.assign(static_cast<size_t>(rows) * Dv, 0.0f);
    const T* qp = q.data<T>();
    const T* kp = k.data<T>();
    const T* vp = v.data<T>();
    for (int g = 0; g < group; ++g) {
      int h = hk * group + g;
      for (int i = 0; i < tq; ++i) {
        const T* src = qp + b * q.strides(0) + h * q.strides(1) + (q0 + i) * q.strides(2);
        float* dst = qf.data() + static_cast<size_t>(g * tq + i) * D;
        for (int d = 0; d < D; ++d) {
          dst[d] = static_cast<float>(src[d]) * scale;
        }
      }
    }
    // Causal: query position i sees keys up to i + (Lk - Lq).
    int shift = Lk - Lq;
    int last_key = causal ? std::min(k1, q1 - 1 + shift + 1) : k1;
    for (int j0 = k0; j0 < last_key; j0 += key_block) {
      int j1 = std::min(j0 + key_block, last_key);
      int nb = j1 - j0;
      for (int j = 0; j < nb; ++j) {
        const T* ks = kp + b * k.strides(0) + hk * k.strides(1) + (j0 + j) * k.strides(2);
        const T* vs = vp + b * v.strides(0) + hk * v.strides(1) + (j0 + j) * v.strides(2);
        for (int d = 0; d < D; ++d) {
          kf[static_cast<size_t>(j) * D + d] = static_cast<float>(ks[d]);
        }
        for (int d = 0; d < Dv; ++d) {
          vf[static_cast<size_t>(j) * Dv + d] = static_cast<float>(vs[d]);
        }
      }
      for (int r = 0; r < rows; ++r) {
        int g = r / tq;
        int qi = q0 + r % tq;
        int h = hk * group + g;
        int limit = causal ? qi + shift : Lk - 1; // last visible key
        const float* qrow = qf.data() + static_cast<size_t>(r) * D;
        float block_max = neg_inf;
        for (int j = 0; j < nb; ++j) {
          int key = j0 + j;
          float s = key > limit ? neg_inf : dot(qrow, kf.data() + static_cast<size_t>(j) * D, D);
          if (mask != nullptr && s != neg_inf) {
            int64_t off = b * mask->strides(0) + h * mask->strides(1) + qi * mask->strides(2) +
                          key * mask->strides(3);
            if (mask->dtype() == bool_) {
              s = mask->data<bool>()[off] ? s : neg_inf;
            } else {
              s += static_cast<float>(mask->data<T>()[off]);
            }
          }
          scores[j] = s;
          block_max = std::max(block_max, s);
        }
        if (block_max == neg_inf) {
          continue;
        }
        RowState& st = states[r];
        float m = std::max(st.max, block_max);
        float correction = st.max == neg_inf ? 0.0f : std::exp(st.max - m);
        float* a = acc.data() + static_cast<size_t>(r) * Dv;
        if (correction != 1.0f) {
          for (int d = 0; d < Dv; ++d) {
            a[d] *= correction;
          }
        }
        float sum = st.sum * correction;
        for (int j = 0; j < nb; ++j) {
          if (scores[j] == neg_inf) {
            continue;
          }
          float p = std::exp(scores[j] - m);
          sum += p;
          const float* vrow = vf.data() + static_cast<size_t>(j) * Dv;
          for (int d = 0; d < Dv; ++d) {
            a[d] += p * vrow[d];
          }
        }
        st.max = m;
        st.sum = sum;
      }
    }
  }

  // Normalizes the rows of one tile and writes them to `out`.
  void finish(int b, int hk, int q0, int q1, std::vector<RowState>& states, std::vector<float>& acc,
              T* out) const {
    int tq = q1 - q0;
    for (int r = 0; r < group * tq; ++r) {
      int h = hk * group + r / tq;
      int qi = q0 + r % tq;
      float* a = acc.data() + static_cast<size_t>(r) * Dv;
      RowState st = states[r];
      if (sinks != nullptr) {
        // The sink is one more logit with a zero value vector.
        RowState sink{sinks[h], 1.0f};
        std::vector<float> zero(Dv, 0.0f);
        merge(st, a, sink, zero.data(), Dv);
      }
      // A row with every key masked has no distribution; it gets zeros.
      float inv = st.sum > 0 ? 1.0f / st.sum : 0.0f;
      T* o = out + ((static_cast<int64_t>(b) * Hq + h) * Lq + qi) * Dv;
      for (int d = 0; d < Dv; ++d) {
        o[d] = static_cast<T>(a[d] * inv);
      }
    }
  }
};

// q/k/v with a contiguous last axis (other strides arbitrary, e.g. a slice of a KV cache).
array last_axis_contiguous(const array& a) {
  if (a.strides().back() == 1 || a.shape().back() == 1) {
    return a;
  }
  array tmp(a.shape(), a.dtype(), nullptr, {});
  cpu::copy_row_major(a, tmp);
  return tmp;
}

} // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& inputs, array& out) {
  array q = last_axis_contiguous(inputs[0]);
  array k = last_axis_contiguous(inputs[1]);
  array v = last_axis_contiguous(inputs[2]);
  size_t next = 3;
  const array* mask = mask_ == AttentionMask::Array ? &inputs[next++] : nullptr;
  const float* sinks = has_sinks_ ? inputs[next].data<float>() : nullptr;
  out.set_data(allocator::malloc(out.nbytes()));
  int B = q.shape(0), Hq = q.shape(1), Lq = q.shape(2), D = q.shape(3);
  int Hkv = k.shape(1), Lk = k.shape(2), Dv = v.shape(3);
  if (out.size() == 0) {
    return;
  }
  dispatch_float_types(out.dtype(), "[scaled_dot_product_attention]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    Attention<T> attn{q,  k,   v,  mask, sinks, scale_, mask_ == AttentionMask::Causal,
                      Hq, Hkv, Lq, Lk,   D,     Dv,     Hq / Hkv};
    T* dst = out.data<T>();
    int tiles_per_head = (Lq + query_tile - 1) / query_tile;
    int64_t units = static_cast<int64_t>(B) * Hkv * tiles_per_head;
    int threads = cpu::num_threads();
    // Split the keys too when there are fewer units than threads (decode).
    int splits = 1;
    if (units < threads && Lk >= 2 * key_block) {
      splits = std::min<int>((threads + units - 1) / units, (Lk + key_block - 1) / key_block);
    }
    int keys_per_split = (Lk + splits - 1) / splits;
    keys_per_split = (keys_per_split + key_block - 1) / key_block * key_block;
    std::vector<std::vector<RowState>> states(units * splits);
    std::vector<std::vector<float>> accs(units * splits);
    auto unit_range = [&](int64_t u, int& b, int& hk, int& q0, int& q1) {
      b = static_cast<int>(u / (static_cast<int64_t>(Hkv) * tiles_per_head));
      hk = static_cast<int>((u / tiles_per_head) % Hkv);
      q0 = static_cast<int>(u % tiles_per_head) * query_tile;
      q1 = std::min(q0 + query_tile, Lq);
    };
    cpu::parallel_for(units * splits, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t w = lo; w < hi; ++w) {
        int b, hk, q0, q1;
        unit_range(w / splits, b, hk, q0, q1);
        int k0 = static_cast<int>(w % splits) * keys_per_split;
        int k1 = std::min(Lk, k0 + keys_per_split);
        attn.run(b, hk, q0, q1, k0, std::max(k0, k1), states[w], accs[w]);
      }
    });
    cpu::parallel_for(units, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t u = lo; u < hi; ++u) {
        int b, hk, q0, q1;
        unit_range(u, b, hk, q0, q1);
        auto& st = states[u * splits];
        auto& acc = accs[u * splits];
        for (int sidx = 1; sidx < splits; ++sidx) {
          auto& other_st = states[u * splits + sidx];
          auto& other_acc = accs[u * splits + sidx];
          for (size_t r = 0; r < st.size(); ++r) {
            merge(st[r], acc.data() + r * Dv, other_st[r], other_acc.data() + r * Dv, Dv);
          }
        }
        attn.finish(b, hk, q0, q1, st, acc, dst);
      }
    });
  });
}

} // namespace mlx::core
