// Loops shared by the element-wise kernels (unary, binary, ternary): a flat loop over the data
// buffer when the layout allows, strided row loops otherwise, split across the thread pool.
//
// Ops take and return values of the compute type (float for float16/bfloat16, the type itself
// otherwise). Contiguous runs go block by block: half inputs are converted a block at a time
// (half_convert.h), the op runs over the block, and the results are stored (converted back, and
// through streaming stores when the op's data cannot stay in the cache).
#pragma once

#include <algorithm>
#include <utility>

#include "backend/common/strides.h"
#include "backend/cpu/elementwise_layout.h"
#include "backend/cpu/half_convert.h"
#include "backend/cpu/streaming_store.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

// Elements per task: small enough to spread work, large enough to amortize the hand-off.
constexpr int64_t elementwise_grain = 1 << 15;

// Elements per block of a contiguous run: a few KB, so that a block's buffers stay in L1.
constexpr int64_t block_elements = 1024;

// The result type of op over compute-type arguments.
template <typename Op, typename... In>
using result_t = std::decay_t<decltype(std::declval<Op>()(std::declval<accumulator_t<In>>()...))>;

// A block of inputs as the compute type: the elements themselves, or (for half types) their
// conversion into a buffer.
template <typename T, bool convert = is_half_v<T>>
struct InputBlock {
  const T* load(const T* src, int64_t) { return src; }
};
template <typename T>
struct InputBlock<T, true> {
  alignas(64) float buffer[block_elements];
  const float* load(const T* src, int64_t n) {
    to_float(src, buffer, n);
    return buffer;
  }
};

template <typename Out, typename R>
Out store_one(R r) {
  if constexpr (is_half_v<Out> && !std::is_same_v<R, Out>) {
    return Out(static_cast<float>(r));
  } else {
    return static_cast<Out>(r);
  }
}

template <typename Out, typename R>
void store_results(const R* r, Out* dst, int64_t n) {
  if constexpr (is_half_v<Out> && std::is_same_v<R, float>) {
    from_float(r, dst, n);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      dst[i] = store_one<Out>(r[i]);
    }
  }
}

// Uninitialized room for one block of T (T is trivially copyable: zeroing a complex buffer for
// every row of a strided loop would cost more than the row).
template <typename T, bool needed = true>
struct BlockBuffer {
  alignas(64) unsigned char bytes[block_elements * sizeof(T)];
  T* values() { return reinterpret_cast<T*>(bytes); }
};
template <typename T>
struct BlockBuffer<T, false> {};

// Fills dst[0, n) on the calling thread, block by block: compute(begin, count, R* results)
// writes the results of elements [begin, begin + count). With `stream`, the block is staged and
// written with streaming stores; the caller fences (stream_fence) before its task ends.
template <typename Out, typename R, typename Compute>
void compute_blocks(Out* dst, int64_t n, bool stream, Compute&& compute) {
  constexpr bool same = std::is_same_v<R, Out>;
  BlockBuffer<R, !same> results;
  BlockBuffer<Out> staged;
  for (int64_t b = 0; b < n; b += block_elements) {
    int64_t m = std::min(block_elements, n - b);
    Out* target = stream ? staged.values() : dst + b;
    if constexpr (same) {
      compute(b, m, target);
    } else {
      compute(b, m, results.values());
      store_results(results.values(), target, m);
    }
    if (stream) {
      stream_copy(dst + b, staged.values(), m * sizeof(Out));
    }
  }
}

// compute_blocks over dst[0, n) split across the thread pool; compute's `begin` counts from 0.
template <typename Out, typename R, typename Compute>
void flat_apply(Out* dst, int64_t n, bool stream, Compute&& compute) {
  parallel_for(n, elementwise_grain, [&](int64_t lo, int64_t hi) {
    compute_blocks<Out, R>(dst + lo, hi - lo, stream,
                           [&](int64_t b, int64_t m, R* r) { compute(lo + b, m, r); });
    if (stream) {
      stream_fence();
    }
  });
}

// Bytes an element-wise op reads and writes, to choose streaming stores.
inline size_t bytes_touched(const std::vector<array>& inputs, const array& out) {
  size_t bytes = out.data_size() * out.itemsize();
  for (const auto& in : inputs) {
    bytes += in.data_size() * in.itemsize();
  }
  return bytes;
}

// out[i] = op(x[i]) over one input.
template <typename In, typename Out, typename Op>
void unary_loop(const array& in, array& out, ElementwiseLayout layout, Op op) {
  using C = accumulator_t<In>;
  using R = result_t<Op, In>;
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  if (out.size() == 0) {
    return;
  }
  if (layout == ElementwiseLayout::Scalar) {
    dst[0] = store_one<Out>(op(static_cast<C>(src[0])));
    return;
  }
  // One contiguous run of n elements, from element `begin` of the run.
  auto run = [&op](const In* s, int64_t n, Out* d, bool stream) {
    InputBlock<In> x;
    compute_blocks<Out, R>(d, n, stream, [&](int64_t b, int64_t m, R* r) {
      const C* v = x.load(s + b, m);
      for (int64_t k = 0; k < m; ++k) {
        r[k] = op(v[k]);
      }
    });
  };
  if (layout == ElementwiseLayout::Flat) {
    bool stream = prefer_streaming_stores(bytes_touched({in}, out));
    parallel_for(out.data_size(), elementwise_grain, [&](int64_t lo, int64_t hi) {
      run(src + lo, hi - lo, dst + lo, stream);
      if (stream) {
        stream_fence();
      }
    });
    return;
  }
  auto [shape, strides] = collapse_contiguous_dims(in.shape(), {in.strides(), out.strides()});
  int64_t rows = row_count(shape);
  int64_t grain = std::max<int64_t>(1, elementwise_grain / shape.back());
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    for_each_row<2>(shape, {&strides[0], &strides[1]}, b, e,
                    [&](const auto& off, int64_t n, const auto& st) {
                      const In* s = src + off[0];
                      Out* d = dst + off[1];
                      if (st[0] == 1 && st[1] == 1) {
                        run(s, n, d, false);
                      } else {
                        for (int64_t i = 0; i < n; ++i) {
                          d[i * st[1]] = store_one<Out>(op(static_cast<C>(s[i * st[0]])));
                        }
                      }
                    });
  });
}

// out[i] = op(a[i], b[i]) over two inputs of the output's shape.
template <typename In, typename Out, typename Op>
void binary_loop(const array& a, const array& b, array& out, ElementwiseLayout layout, Op op) {
  using C = accumulator_t<In>;
  using R = result_t<Op, In, In>;
  const In* pa = a.data<In>();
  const In* pb = b.data<In>();
  Out* dst = out.data<Out>();
  if (out.size() == 0) {
    return;
  }
  if (layout == ElementwiseLayout::Scalar) {
    dst[0] = store_one<Out>(op(static_cast<C>(pa[0]), static_cast<C>(pb[0])));
    return;
  }
  // A contiguous run of n elements; an input with stride 0 repeats its first element.
  auto run = [&op](const In* x, bool x_scalar, const In* y, bool y_scalar, int64_t n, Out* d,
                   bool stream) {
    InputBlock<In> xs, ys;
    C x0 = static_cast<C>(x[0]);
    C y0 = static_cast<C>(y[0]);
    compute_blocks<Out, R>(d, n, stream, [&](int64_t b, int64_t m, R* r) {
      if (x_scalar && y_scalar) {
        for (int64_t k = 0; k < m; ++k) {
          r[k] = op(x0, y0);
        }
      } else if (x_scalar) {
        const C* v = ys.load(y + b, m);
        for (int64_t k = 0; k < m; ++k) {
          r[k] = op(x0, v[k]);
        }
      } else if (y_scalar) {
        const C* u = xs.load(x + b, m);
        for (int64_t k = 0; k < m; ++k) {
          r[k] = op(u[k], y0);
        }
      } else {
        const C* u = xs.load(x + b, m);
        const C* v = ys.load(y + b, m);
        for (int64_t k = 0; k < m; ++k) {
          r[k] = op(u[k], v[k]);
        }
      }
    });
  };
  if (layout == ElementwiseLayout::Flat) {
    bool stream = prefer_streaming_stores(bytes_touched({a, b}, out));
    bool a_scalar = a.data_size() == 1;
    bool b_scalar = b.data_size() == 1;
    parallel_for(out.data_size(), elementwise_grain, [&](int64_t lo, int64_t hi) {
      run(a_scalar ? pa : pa + lo, a_scalar, b_scalar ? pb : pb + lo, b_scalar, hi - lo, dst + lo,
          stream);
      if (stream) {
        stream_fence();
      }
    });
    return;
  }
  auto [shape, strides] =
      collapse_contiguous_dims(out.shape(), {a.strides(), b.strides(), out.strides()});
  int64_t rows = row_count(shape);
  int64_t grain = std::max<int64_t>(1, elementwise_grain / shape.back());
  parallel_for(rows, grain, [&](int64_t lo, int64_t hi) {
    for_each_row<3>(shape, {&strides[0], &strides[1], &strides[2]}, lo, hi,
                    [&](const auto& off, int64_t n, const auto& st) {
                      const In* x = pa + off[0];
                      const In* y = pb + off[1];
                      Out* d = dst + off[2];
                      bool x_run = st[0] == 0 || st[0] == 1;
                      bool y_run = st[1] == 0 || st[1] == 1;
                      if (st[2] == 1 && x_run && y_run) {
                        run(x, st[0] == 0, y, st[1] == 0, n, d, false);
                      } else {
                        for (int64_t i = 0; i < n; ++i) {
                          d[i * st[2]] = store_one<Out>(
                              op(static_cast<C>(x[i * st[0]]), static_cast<C>(y[i * st[1]])));
                        }
                      }
                    });
  });
}

} // namespace mlx::core::cpu
