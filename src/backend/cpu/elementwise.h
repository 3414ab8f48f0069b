// Loops shared by the element-wise kernels (unary, binary, ternary): a flat loop over the data
// buffer when the layout allows, strided row loops otherwise, split across the thread pool.
#pragma once

#include "backend/common/strides.h"
#include "backend/cpu/elementwise_layout.h"
#include "backend/cpu/thread_pool.h"

namespace mlx::core::cpu {

// Elements per task: small enough to spread work, large enough to amortize the hand-off.
constexpr int64_t elementwise_grain = 1 << 15;

// out[i] = op(x[i]) over one input.
template <typename In, typename Out, typename Op>
void unary_loop(const array& in, array& out, ElementwiseLayout layout, Op op) {
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  if (layout == ElementwiseLayout::Scalar) {
    dst[0] = op(src[0]);
  } else if (layout == ElementwiseLayout::Flat) {
    parallel_for(out.data_size(), elementwise_grain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        dst[i] = op(src[i]);
      }
    });
  } else {
    // Not a structured binding: clang before 16 cannot capture one in the lambdas below.
    auto collapsed = collapse_contiguous_dims(in.shape(), {in.strides(), out.strides()});
    const auto& shape = collapsed.first;
    const auto& strides = collapsed.second;
    int64_t rows = row_count(shape);
    // An empty output has a zero-length row.
    int64_t grain = std::max<int64_t>(1, elementwise_grain / std::max<int64_t>(shape.back(), 1));
    parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      for_each_row<2>(shape, {&strides[0], &strides[1]}, b, e,
                      [&](const auto& off, int64_t n, const auto& st) {
                        const In* s = src + off[0];
                        Out* d = dst + off[1];
                        for (int64_t i = 0; i < n; ++i) {
                          d[i * st[1]] = op(s[i * st[0]]);
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
    bool a_scalar = a.data_size() == 1;
    bool b_scalar = b.data_size() == 1;
    parallel_for(out.data_size(), elementwise_grain, [&](int64_t lo, int64_t hi) {
      if (a_scalar) {
        In x = pa[0];
        for (int64_t i = lo; i < hi; ++i) {
          dst[i] = op(x, pb[i]);
        }
      } else if (b_scalar) {
        In y = pb[0];
        for (int64_t i = lo; i < hi; ++i) {
          dst[i] = op(pa[i], y);
        }
      } else {
        for (int64_t i = lo; i < hi; ++i) {
          dst[i] = op(pa[i], pb[i]);
        }
      }
    });
  } else {
    auto collapsed =
        collapse_contiguous_dims(out.shape(), {a.strides(), b.strides(), out.strides()});
    const auto& shape = collapsed.first;
    const auto& strides = collapsed.second;
    int64_t rows = row_count(shape);
    int64_t grain = std::max<int64_t>(1, elementwise_grain / std::max<int64_t>(shape.back(), 1));
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
                          for (int64_t i = 0; i < n; ++i) {
                            d[i] = op(x[0], y[i]);
                          }
                        } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
                          for (int64_t i = 0; i < n; ++i) {
                            d[i] = op(x[i], y[0]);
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
