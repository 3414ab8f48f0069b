// Scaled dot-product attention, flash style: the query heads that share a key/value head
// (grouped-query attention) are processed together in blocks of query positions, keys are
// streamed in blocks with the softmax computed online (running max and sum), so the [Lq, Lk]
// score matrix is never materialised. Blocks of few rows (decoding) and of many rows (prefill)
// have their own vector kernels (attention_*_isa.cpp); float64 takes a plain loop. Blocks are
// handed to threads as they free up, the costliest (latest causal positions) first; when there
// are fewer blocks than threads (decoding few heads) the keys are split too and the partial
// results merged.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/isa_select.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/fast.h"

namespace mlx::core {

cpu::AttentionKernels cpu::attention_kernels(Dtype dtype) {
  return {pick_isa(isa_baseline::attention_few_rows_kernel, isa_avx2::attention_few_rows_kernel,
                   isa_avx512::attention_few_rows_kernel)(dtype),
          pick_isa(isa_baseline::attention_many_rows_kernel, isa_avx2::attention_many_rows_kernel,
                   isa_avx512::attention_many_rows_kernel)(dtype)};
}

namespace {

constexpr float neg_inf = -std::numeric_limits<float>::infinity();
// Rows (query positions times the group's heads) a block of many rows aims at.
constexpr int block_rows = 64;
// Key splits are whole multiples of this many keys.
constexpr int split_granule = 256;

// Folds state (m2, s2, acc2) into (m1, s1, acc1): the softmax states of two key ranges.
void merge(float& m1, float& s1, float* acc1, float m2, float s2, const float* acc2, int dv) {
  float m = std::max(m1, m2);
  if (m == neg_inf) {
    return;
  }
  float a = m1 == neg_inf ? 0.0f : std::exp(m1 - m);
  float b = m2 == neg_inf ? 0.0f : std::exp(m2 - m);
  for (int d = 0; d < dv; ++d) {
    acc1[d] = acc1[d] * a + (acc2 ? acc2[d] * b : 0.0f);
  }
  s1 = s1 * a + s2 * b;
  m1 = m;
}

// The block kernel for float64 inputs (computed in float, as the others).
void double_block(const cpu::AttentionArgs& a, const cpu::AttentionBlock& blk, float* row_max,
                  float* row_sum, float* acc) {
  int tq = blk.q1 - blk.q0;
  int rows = a.group * tq;
  auto at = [](const void* base, const int64_t* s, int b, int h, int l) {
    return static_cast<const double*>(base) + b * s[0] + h * s[1] + l * s[2];
  };
  std::vector<float> scores(std::max(blk.k1 - blk.k0, 0));
  for (int r = 0; r < rows; ++r) {
    int h = blk.hk * a.group + r / tq;
    int qi = blk.q0 + r % tq;
    const double* q = at(a.q, a.q_strides, blk.b, h, qi);
    int last = a.causal ? std::min(blk.k1 - 1, qi + a.Lk - a.Lq) : blk.k1 - 1;
    float m = neg_inf;
    for (int j = blk.k0; j <= last; ++j) {
      const double* k = at(a.k, a.k_strides, blk.b, blk.hk, j);
      float dot = 0;
      for (int d = 0; d < a.D; ++d) {
        dot += static_cast<float>(q[d]) * static_cast<float>(k[d]);
      }
      float s = dot * a.scale;
      if (a.mask != nullptr) {
        const int64_t* ms = a.mask_strides;
        int64_t off = blk.b * ms[0] + h * ms[1] + qi * ms[2] + j * ms[3];
        s = a.mask_is_bool ? (static_cast<const bool*>(a.mask)[off] ? s : neg_inf)
                           : s + static_cast<float>(static_cast<const double*>(a.mask)[off]);
      }
      scores[j - blk.k0] = s;
      m = std::max(m, s);
    }
    float* o = acc + static_cast<int64_t>(r) * a.Dv;
    std::fill(o, o + a.Dv, 0.0f);
    float sum = 0;
    for (int j = blk.k0; m != neg_inf && j <= last; ++j) {
      float p = std::exp(scores[j - blk.k0] - m);
      sum += p;
      const double* v = at(a.v, a.v_strides, blk.b, blk.hk, j);
      for (int d = 0; d < a.Dv; ++d) {
        o[d] += p * static_cast<float>(v[d]);
      }
    }
    row_max[r] = m;
    row_sum[r] = sum;
  }
}

// q/k/v with a contiguous last axis (other strides arbitrary, e.g. a slice of a KV cache).
array last_axis_contiguous(const array& a) {
  if (a.strides().back() == 1 || a.shape().back() == 1) {
    return a;
  }
  array tmp(a.shape(), a.dtype(), nullptr, {});
  cpu::copy_row_major(a, tmp);
  return tmp;
}

void copy_strides(const array& a, int64_t* dst, int n) {
  for (int i = 0; i < n; ++i) {
    dst[i] = a.strides(i);
  }
}

// Normalizes a block's rows (merging the attention sink first) and writes them to `out`.
template <typename T>
void finish(const cpu::AttentionArgs& a, const cpu::AttentionBlock& blk, int Hq, const float* sinks,
            float* row_max, float* row_sum, float* acc, T* out) {
  int tq = blk.q1 - blk.q0;
  for (int r = 0; r < a.group * tq; ++r) {
    int h = blk.hk * a.group + r / tq;
    int qi = blk.q0 + r % tq;
    float* o = acc + static_cast<int64_t>(r) * a.Dv;
    if (sinks != nullptr) {
      // The sink is one more logit, with a zero value vector.
      merge(row_max[r], row_sum[r], o, sinks[h], 1.0f, nullptr, a.Dv);
    }
    // A row with every key masked has no distribution; it gets zeros.
    float inv = row_sum[r] > 0 ? 1.0f / row_sum[r] : 0.0f;
    T* dst = out + ((static_cast<int64_t>(blk.b) * Hq + h) * a.Lq + qi) * a.Dv;
    for (int d = 0; d < a.Dv; ++d) {
      dst[d] = static_cast<T>(o[d] * inv);
    }
  }
}

} // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& inputs, array& out) {
  array q = last_axis_contiguous(inputs[0]);
  array k = last_axis_contiguous(inputs[1]);
  array v = last_axis_contiguous(inputs[2]);
  size_t next_input = 3;
  const array* mask = mask_ == AttentionMask::Array ? &inputs[next_input++] : nullptr;
  const float* sinks = has_sinks_ ? inputs[next_input].data<float>() : nullptr;
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  int B = q.shape(0), Hq = q.shape(1), Lq = q.shape(2);
  int Hkv = k.shape(1), Lk = k.shape(2);
  cpu::AttentionArgs args{};
  args.q = q.data<void>();
  args.k = k.data<void>();
  args.v = v.data<void>();
  copy_strides(q, args.q_strides, 3);
  copy_strides(k, args.k_strides, 3);
  copy_strides(v, args.v_strides, 3);
  if (mask != nullptr) {
    args.mask = mask->data<void>();
    args.mask_is_bool = mask->dtype() == bool_;
    copy_strides(*mask, args.mask_strides, 4);
  }
  args.scale = scale_;
  args.causal = mask_ == AttentionMask::Causal;
  args.Lq = Lq;
  args.Lk = Lk;
  args.D = q.shape(3);
  args.Dv = v.shape(3);
  args.group = Hq / Hkv;
  int group = args.group;

  cpu::AttentionKernels kernels{double_block, double_block};
  if (out.dtype() != float64) {
    kernels = cpu::attention_kernels(out.dtype());
  }
  // Query positions per block: all of them when the block stays few rows (decoding).
  int tq = group * Lq <= cpu::attention_few_rows ? Lq : std::clamp(block_rows / group, 1, Lq);
  int tiles = (Lq + tq - 1) / tq;
  int64_t heads = static_cast<int64_t>(B) * Hkv;
  int64_t units = heads * tiles;
  int threads = cpu::num_threads();
  int splits = 1;
  if (units < 2 * threads && Lk >= 2 * split_granule) {
    splits =
        static_cast<int>(std::min<int64_t>((2 * threads + units - 1) / units, Lk / split_granule));
  }
  int keys_per_split = (Lk + splits - 1) / splits;
  keys_per_split = (keys_per_split + split_granule - 1) / split_granule * split_granule;
  int max_rows = group * tq;

  // Task t: unit t / splits (the costliest query positions first), key split t % splits.
  auto block_of = [&](int64_t t) {
    int64_t u = t / splits;
    int tile = tiles - 1 - static_cast<int>(u / heads);
    int bh = static_cast<int>(u % heads);
    int q0 = tile * tq;
    int k0 = static_cast<int>(t % splits) * keys_per_split;
    return cpu::AttentionBlock{
        bh / Hkv, bh % Hkv, q0, std::min(q0 + tq, Lq), k0, std::min(Lk, k0 + keys_per_split)};
  };
  auto run_block = [&](const cpu::AttentionBlock& blk, float* mx, float* sm, float* acc) {
    int rows = group * (blk.q1 - blk.q0);
    auto kernel = rows <= cpu::attention_few_rows ? kernels.few_rows : kernels.many_rows;
    kernel(args, blk, mx, sm, acc);
  };
  int64_t tasks = units * splits;
  dispatch_float_types(out.dtype(), "[scaled_dot_product_attention]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* dst = out.data<T>();
    std::atomic<int64_t> next{0};
    if (splits == 1) {
      cpu::parallel_for(threads, 1, [&](int64_t, int64_t) {
        std::vector<float> mx(max_rows), sm(max_rows), acc(static_cast<size_t>(max_rows) * args.Dv);
        for (int64_t t; (t = next.fetch_add(1)) < tasks;) {
          auto blk = block_of(t);
          run_block(blk, mx.data(), sm.data(), acc.data());
          finish(args, blk, Hq, sinks, mx.data(), sm.data(), acc.data(), dst);
        }
      });
      return;
    }
    std::vector<float> mx(tasks * max_rows), sm(tasks * max_rows),
        acc(static_cast<size_t>(tasks) * max_rows * args.Dv);
    auto state = [&](int64_t t, int64_t r) { return t * max_rows + r; };
    cpu::parallel_for(threads, 1, [&](int64_t, int64_t) {
      for (int64_t t; (t = next.fetch_add(1)) < tasks;) {
        run_block(block_of(t), &mx[state(t, 0)], &sm[state(t, 0)], &acc[state(t, 0) * args.Dv]);
      }
    });
    cpu::parallel_for(units, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t u = lo; u < hi; ++u) {
        int64_t first = u * splits;
        auto blk = block_of(first);
        int rows = group * (blk.q1 - blk.q0);
        for (int s = 1; s < splits; ++s) {
          for (int r = 0; r < rows; ++r) {
            merge(mx[state(first, r)], sm[state(first, r)], &acc[state(first, r) * args.Dv],
                  mx[state(first + s, r)], sm[state(first + s, r)],
                  &acc[state(first + s, r) * args.Dv], args.Dv);
          }
        }
        finish(args, blk, Hq, sinks, &mx[state(first, 0)], &sm[state(first, 0)],
               &acc[state(first, 0) * args.Dv], dst);
      }
    });
  });
}

} // namespace mlx::core
