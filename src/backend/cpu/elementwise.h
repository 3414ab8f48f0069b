// Loops shared by the element-wise kernels (unary, binary, ternary): a flat loop over the data
// buffer when the layout allows, strided row loops otherwise, split across the thread pool.
#pragma once

#include <algorithm>

#include "backend/common/strides.h"
#include "backend/cpu/elementwise_layout.h"
#include "backend/cpu/streaming_store.h"
#include "backend/cpu/thread_pool.h"

namespace mlx::core::cpu {

// Elements per task: small enough to spread work, large enough to amortize the hand-off.
constexpr int64_t elementwise_grain = 1 << 15;

// dst[i] = f(i) for i in [0, n), across the thread pool. With `stream`, each block is computed
// into a staging buffer and written with streaming stores (see streaming_store.h).
template <typename Out, typename F>
void flat_apply(Out* dst, int64_t n, bool stream, F f) {
  parallel_for(n, elementwise_grain, [&](int64_t lo, int64_t hi) {
    if (!stream) {
      for (int64_t i = lo; i < hi; ++i) {
        dst[i] = f(i);
      }
      return;
    }
    constexpr int64_t block = streaming_block_bytes / sizeof(Out);
    alignas(64) Out staged[block];
    for (int64_t b = lo; b < hi; b += block) {
      int64_t m = std::min(block, hi - b);
      for (int64_t k = 0; k < m; ++k) {
        staged[k] = f(b + k);
      }
      stream_copy(dst + b, staged, m * sizeof(Out));
    }
    stream_fence();
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
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  if (layout == ElementwiseLayout::Scalar) {
    dst[0] = op(src[0]);
  } else if (layout == ElementwiseLayout::Flat) {
    bool stream = prefer_streaming_stores(bytes_touched({in}, out));
    flat_apply(dst, out.data_size(), stream, [src, op](int64_t i) { return op(src[i]); });
  } else {
    auto [shape, strides] = collapse_contiguous_dims(in.shape(), {in.strides(), out.strides()});
    int64_t rows = row_count(shape);
    int64_t grain = std::max<int64_t>(1, elementwise_grain / shape.back());
    parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      for_each_row<2>(shape, {&strides[0], &strides[1]}, b, e,
                      [&](const auto& off, int64_t n, const auto& st) {
                        const In* s = src + off[0];
                        Out* d = dst + off[1];
                        if (st[0] == 1 && st[1] == 1) {
                          for (int64_t i = 0; i < n; ++i) {
                            d[i] = op(s[i]);
                          }
                        } else {
                          for (int64_t i = 0; i < n; ++i) {
                            d[i * st[1]] = op(s[i * st[0]]);
                          }
                        }
                      });
    });
  }
}

// out[i] = op(a[i], b[i]) over two inputs of the output's shape.
template <typename In, typename Out, typename Op>
void binary_loop(const array& a, const array& b, array& out, ElementwiseLayout layout, Op op) {
  const In* pa = a.data<In>();
  const In* pb = b.data<In>();
  Out* dst = out.data<Out>();
  if (layout == ElementwiseLayout::Scalar) {
    dst[0] = op(pa[0], pb[0]);
  } else if (layout == ElementwiseLayout::Flat) {
    bool stream = prefer_streaming_stores(bytes_touched({a, b}, out));
    int64_t n = out.data_size();
    if (a.data_size() == 1) {
      In x = pa[0];
      flat_apply(dst, n, stream, [x, pb, op](int64_t i) { return op(x, pb[i]); });
    } else if (b.data_size() == 1) {
      In y = pb[0];
      flat_apply(dst, n, stream, [pa, y, op](int64_t i) { return op(pa[i], y); });
    } else {
      flat_apply(dst, n, stream, [pa, pb, op](int64_t i) { return op(pa[i], pb[i]); });
    }
  } else {
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
                        if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
                          for (int64_t i = 0; i < n; ++i) {
                            d[i] = op(x[i], y[i]);
                          }
                        } else if (st[0] == 0 && st[1] == 1 && st[2] == 1) {
                          In x0 = x[0];
                          for (int64_t i = 0; i < n; ++i) {
                            d[i] = op(x0, y[i]);
                          }
                        } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
                          In y0 = y[0];
                          for (int64_t i = 0; i < n; ++i) {
                            d[i] = op(x[i], y0);
                          }
                        } else {
                          for (int64_t i = 0; i < n; ++i) {
                            d[i * st[2]] = op(x[i * st[0]], y[i * st[1]]);
                          }
                        }
                      });
    });
  }
}

} // namespace mlx::core::cpu
