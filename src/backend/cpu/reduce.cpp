// Reductions. The input is viewed as (outer, reduced, inner) runs after collapsing axes:
//  - "row" reductions (the reduced axes are innermost and contiguous) reduce each contiguous
//    run with independent accumulators, which the compiler vectorizes;
//  - "column" reductions (a contiguous non-reduced axis is innermost) accumulate whole rows;
//  - anything else walks the reduced indices per output element.
#include "core/primitives/reduce.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "backend/common/strides.h"
#include "backend/cpu/convert.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core {

namespace {

// The reduction as an identity element and a combine step over the accumulator type A.
template <typename A>
struct SumOp {
  static A init() { return A(0); }
  A operator()(A a, A b) const { return a + b; }
};
template <typename A>
struct ProdOp {
  static A init() { return A(1); }
  A operator()(A a, A b) const { return a * b; }
};
template <typename A>
struct MaxOp {
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) {
      return -std::numeric_limits<A>::infinity();
    } else {
      return std::numeric_limits<A>::lowest();
    }
  }
  A operator()(A a, A b) const {
    if constexpr (std::is_floating_point_v<A>) {
      return (a > b || a != a) ? a : b; // NaN propagates
    } else {
      return a > b ? a : b;
    }
  }
};
template <typename A>
struct MinOp {
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) {
      return std::numeric_limits<A>::infinity();
    } else {
      return std::numeric_limits<A>::max();
    }
  }
  A operator()(A a, A b) const {
    if constexpr (std::is_floating_point_v<A>) {
      return (a < b || a != a) ? a : b;
    } else {
      return a < b ? a : b;
    }
  }
};
struct AndOp {
  static bool init() { return true; }
  bool operator()(bool a, bool b) const { return a && b; }
};
struct OrOp {
  static bool init() { return false; }
  bool operator()(bool a, bool b) const { return a || b; }
};

// Reduces n contiguous values; 16 independent accumulators let the compiler use SIMD lanes
// without reassociating a single running sum.
template <typename In, typename A, typename Op>
A reduce_contiguous(const In* x, int64_t n, Op op) {
  constexpr int lanes = 16;
  int64_t i = 0;
  A result = Op::init();
  if (n >= lanes) {
    A acc[lanes];
    for (int k = 0; k < lanes; ++k) {
      acc[k] = Op::init();
    }
    for (; i + lanes <= n; i += lanes) {
      for (int k = 0; k < lanes; ++k) {
        acc[k] = op(acc[k], cpu::convert<A>(x[i + k]));
      }
    }
    for (int k = 0; k < lanes; ++k) {
      result = op(result, acc[k]);
    }
  }
  for (; i < n; ++i) {
    result = op(result, cpu::convert<A>(x[i]));
  }
  return result;
}

struct ReducePlan {
  Shape shape;         // collapsed input shape
  Strides in_strides;  // collapsed input strides
  Strides out_strides; // output strides per collapsed axis (0 on reduced axes)
  std::vector<bool> reduced;
};

// Collapses axes that are adjacent, both reduced or both kept, and contiguous in the input and
// output alike.
ReducePlan make_plan(const array& in, const array& out, const std::vector<int>& axes) {
  std::vector<bool> is_reduced(in.ndim(), false);
  for (int ax : axes) {
    is_reduced[ax] = true;
  }
  Strides out_row_major = make_row_major_strides(out.shape());
  ReducePlan plan;
  for (size_t i = 0; i < in.ndim(); ++i) {
    if (in.shape(i) == 1) {
      continue;
    }
    int64_t os = is_reduced[i] ? 0 : out_row_major[i];
    if (!plan.shape.empty() && plan.reduced.back() == is_reduced[i] &&
        plan.in_strides.back() == in.strides()[i] * in.shape(i) &&
        plan.out_strides.back() == os * in.shape(i)) {
      plan.shape.back() *= in.shape(i);
      plan.in_strides.back() = in.strides()[i];
      plan.out_strides.back() = os;
      continue;
    }
    plan.shape.push_back(in.shape(i));
    plan.in_strides.push_back(in.strides()[i]);
    plan.out_strides.push_back(os);
    plan.reduced.push_back(is_reduced[i]);
  }
  return plan;
}

template <typename In, typename Out, typename A, typename Op>
void reduce_impl(const array& in, array& out, const std::vector<int>& axes, Op op) {
  out.set_data(allocator::malloc(out.nbytes()));
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  int64_t out_size = out.size();
  if (in.size() == 0) {
    for (int64_t i = 0; i < out_size; ++i) {
      dst[i] = cpu::convert<Out>(Op::init());
    }
    return;
  }
  auto plan = make_plan(in, out, axes);
  if (plan.shape.empty()) { // every axis has size 1
    dst[0] = cpu::convert<Out>(op(Op::init(), cpu::convert<A>(src[0])));
    return;
  }
  int nd = static_cast<int>(plan.shape.size());

  // All axes reduced over one contiguous run: split the run across threads.
  if (nd == 1 && plan.reduced[0] && plan.in_strides[0] == 1) {
    int64_t n = plan.shape[0];
    int threads = cpu::num_threads();
    auto partial = std::make_unique<A[]>(threads); // not vector: A may be bool
    std::fill_n(partial.get(), threads, Op::init());
    int64_t per = (n + threads - 1) / threads;
    cpu::parallel_for(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        int64_t lo = t * per;
        int64_t hi = std::min(n, lo + per);
        if (lo < hi) {
          partial[t] = reduce_contiguous<In, A>(src + lo, hi - lo, op);
        }
      }
    });
    A result = Op::init();
    for (int t = 0; t < threads; ++t) {
      result = op(result, partial[t]);
    }
    dst[0] = cpu::convert<Out>(result);
    return;
  }

  // Split the collapsed axes into kept (output) and reduced ones.
  Shape kept_shape, red_shape;
  Strides kept_in, kept_out, red_in;
  for (int i = 0; i < nd; ++i) {
    if (plan.reduced[i]) {
      red_shape.push_back(plan.shape[i]);
      red_in.push_back(plan.in_strides[i]);
    } else {
      kept_shape.push_back(plan.shape[i]);
      kept_in.push_back(plan.in_strides[i]);
      kept_out.push_back(plan.out_strides[i]);
    }
  }
  if (red_shape.empty()) { // nothing to reduce: a conversion
    red_shape.push_back(1);
    red_in.push_back(0);
  }
  if (kept_shape.empty()) {
    kept_shape.push_back(1);
    kept_in.push_back(0);
    kept_out.push_back(0);
  }
  int64_t red_size = 1;
  for (auto d : red_shape) {
    red_size *= d;
  }

  bool column =
      !plan.reduced[nd - 1] && plan.in_strides[nd - 1] == 1 && plan.out_strides[nd - 1] == 1;
  if (column) {
    // Rows of the innermost kept axis: acc[k] = op over reduced indices of in[..., k].
    int64_t inner = kept_shape.back();
    Shape outer_shape(kept_shape.begin(), kept_shape.end() - 1);
    Strides outer_in(kept_in.begin(), kept_in.end() - 1);
    Strides outer_out(kept_out.begin(), kept_out.end() - 1);
    outer_shape.push_back(1);
    outer_in.push_back(0);
    outer_out.push_back(0);
    int64_t outer = row_count(outer_shape);
    int64_t red_rows = row_count(red_shape);
    int64_t red_inner_stride = red_in.back();
    cpu::parallel_for(
        outer * inner, std::max<int64_t>(64, (1 << 15) / std::max<int64_t>(red_size, 1)),
        [&](int64_t lo, int64_t hi) {
          auto acc = std::make_unique<A[]>(hi - lo); // not vector: A may be bool
          for (int64_t idx = lo; idx < hi;) {
            int64_t o = idx / inner;
            int64_t k0 = idx % inner;
            int64_t k1 = std::min(inner, k0 + (hi - idx));
            int64_t in_off = elem_to_loc(o, outer_shape, outer_in);
            int64_t out_off = elem_to_loc(o, outer_shape, outer_out);
            std::fill_n(acc.get(), k1 - k0, Op::init());
            for_each_row<1>(red_shape, {&red_in}, 0, red_rows,
                            [&](const auto& off, int64_t n, const auto&) {
                              for (int64_t r = 0; r < n; ++r) {
                                const In* row = src + in_off + off[0] + r * red_inner_stride;
                                for (int64_t k = k0; k < k1; ++k) {
                                  acc[k - k0] = op(acc[k - k0], cpu::convert<A>(row[k]));
                                }
                              }
                            });
            for (int64_t k = k0; k < k1; ++k) {
              dst[out_off + k] = cpu::convert<Out>(acc[k - k0]);
            }
            idx += k1 - k0;
          }
        });
    return;
  }

  // Per output element, reduce over the reduced axes (contiguous innermost run if possible).
  int64_t red_rows = row_count(red_shape);
  int64_t kept_count = 1;
  for (auto d : kept_shape) {
    kept_count *= d;
  }
  cpu::parallel_for(kept_count, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(red_size, 1)),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t e = lo; e < hi; ++e) {
                        int64_t in_off = elem_to_loc(e, kept_shape, kept_in);
                        int64_t out_off = elem_to_loc(e, kept_shape, kept_out);
                        A acc = Op::init();
                        for_each_row<1>(red_shape, {&red_in}, 0, red_rows,
                                        [&](const auto& off, int64_t n, const auto& st) {
                                          const In* run = src + in_off + off[0];
                                          if (st[0] == 1) {
                                            acc = op(acc, reduce_contiguous<In, A>(run, n, op));
                                          } else {
                                            for (int64_t r = 0; r < n; ++r) {
                                              acc = op(acc, cpu::convert<A>(run[r * st[0]]));
                                            }
                                          }
                                        });
                        dst[out_off] = cpu::convert<Out>(acc);
                      }
                    });
}

template <typename In, typename Out>
void reduce_typed(ReduceType type, const array& in, array& out, const std::vector<int>& axes) {
  using A = std::conditional_t<std::is_same_v<In, bool> || std::is_same_v<Out, bool>, Out,
                               accumulator_t<Out>>;
  switch (type) {
  case ReduceType::And:
    return reduce_impl<In, bool, bool>(in, out, axes, AndOp{});
  case ReduceType::Or:
    return reduce_impl<In, bool, bool>(in, out, axes, OrOp{});
  case ReduceType::Sum:
    return reduce_impl<In, Out, A>(in, out, axes, SumOp<A>{});
  case ReduceType::Prod:
    return reduce_impl<In, Out, A>(in, out, axes, ProdOp<A>{});
  case ReduceType::Max:
    if constexpr (!is_complex_v<Out>) {
      return reduce_impl<In, Out, A>(in, out, axes, MaxOp<A>{});
    }
    break;
  case ReduceType::Min:
    if constexpr (!is_complex_v<Out>) {
      return reduce_impl<In, Out, A>(in, out, axes, MinOp<A>{});
    }
    break;
  }
  detail::unsupported_dtype("[reduce]", in.dtype());
}

} // namespace

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (type_ == ReduceType::And || type_ == ReduceType::Or) {
    dispatch_all_types(in.dtype(), [&](auto tag) {
      using In = tag_type_t<decltype(tag)>;
      reduce_typed<In, bool>(type_, in, out, axes_);
    });
    return;
  }
  if (in.dtype() == bool_) {
    // Sum/Prod of bool count in int32; min/max of bool stay bool.
    dispatch_all_types(out.dtype(), [&](auto tag) {
      using Out = tag_type_t<decltype(tag)>;
      if constexpr (std::is_same_v<Out, int32_t> || std::is_same_v<Out, bool>) {
        reduce_typed<bool, Out>(type_, in, out, axes_);
      } else {
        detail::unsupported_dtype("[reduce]", out.dtype());
      }
    });
    return;
  }
  dispatch_all_types(in.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    reduce_typed<T, T>(type_, in, out, axes_);
  });
}

} // namespace mlx::core
