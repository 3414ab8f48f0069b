// Reductions over any set of axes of any strided view (plan: reduce_plan.h):
//  - Row and General: each output element reduces its runs of input; the run loop is a vector
//    kernel for contiguous float32/float16/bfloat16 (reduce_isa.cpp), a 16-accumulator loop
//    the compiler vectorizes for other contiguous types, and a plain loop for strided runs;
//  - Column: rows of the innermost kept axis are combined element-wise into a block of
//    accumulators, so every load is contiguous.
// Work is split over output elements, and also over the reduced elements when there are too
// few outputs to keep every thread busy (partial results are then combined in order).
#include "core/primitives/reduce.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "backend/common/strides.h"
#include "backend/cpu/convert.h"
#include "backend/cpu/isa_select.h"
#include "backend/cpu/reduce_kernels.h"
#include "backend/cpu/reduce_plan.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core {

cpu::FloatReduceKernels cpu::float_reduce_kernels(Dtype dtype, FloatReduce op) {
  return pick_isa(isa_baseline::float_reduce_kernels, isa_avx2::float_reduce_kernels,
                  isa_avx512::float_reduce_kernels)(dtype, op);
}

namespace {

// Below this many input elements a reduction runs on the calling thread.
constexpr int64_t min_parallel_work = 1 << 15;
// Accumulators per column block: 16 KiB of floats stays in L1 while rows stream past.
constexpr int64_t column_block = 4096;
// Runs shorter than this are reduced inline rather than by a vector kernel.
constexpr int64_t short_run = 16;
// Rows combined per pass over a block of column accumulators.
constexpr int64_t column_rows = 8;

template <typename A>
struct SumOp {
  static A init() { return A(0); }
  A operator()(A a, A b) const { return a + b; }
  static constexpr cpu::FloatReduce vector_kind = cpu::FloatReduce::Sum;
};
template <typename A>
struct ProdOp {
  static A init() { return A(1); }
  A operator()(A a, A b) const { return a * b; }
  static constexpr cpu::FloatReduce vector_kind = cpu::FloatReduce::Prod;
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
  A operator()(A acc, A x) const {
    if constexpr (std::is_floating_point_v<A>) {
      return (x > acc || x != x) ? x : acc; // NaN wins, as numpy's and MLX's max
    } else {
      return x > acc ? x : acc;
    }
  }
  static constexpr cpu::FloatReduce vector_kind = cpu::FloatReduce::Max;
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
  A operator()(A acc, A x) const {
    if constexpr (std::is_floating_point_v<A>) {
      return (x < acc || x != x) ? x : acc;
    } else {
      return x < acc ? x : acc;
    }
  }
  static constexpr cpu::FloatReduce vector_kind = cpu::FloatReduce::Min;
};
struct AndOp {
  static bool init() { return true; }
  bool operator()(bool a, bool b) const { return a && b; }
};
struct OrOp {
  static bool init() { return false; }
  bool operator()(bool a, bool b) const { return a || b; }
};

template <typename Op>
concept VectorOp = requires {
  Op::vector_kind;
};

// The two inner loops of a reduction for input In, accumulator A and operation Op.
template <typename In, typename A, typename Op>
class Loops {
public:
  static constexpr bool vectorizable =
      std::is_same_v<A, float> && (std::is_same_v<In, float> || std::is_same_v<In, float16_t> ||
                                   std::is_same_v<In, bfloat16_t>)&&VectorOp<Op>;

  explicit Loops(Dtype in_dtype) {
    if constexpr (vectorizable) {
      kernels_ = cpu::float_reduce_kernels(in_dtype, Op::vector_kind);
    }
  }

  // op(acc, x[0], x[stride], ..., x[(n-1) stride]).
  A run(const In* x, int64_t n, int64_t stride, A acc) const {
    if constexpr (vectorizable) {
      if (n < short_run) {
        Op op;
        for (int64_t i = 0; i < n; ++i) {
          acc = op(acc, cpu::convert<A>(x[i * stride]));
        }
        return acc;
      }
      if (stride != 1) {
        // Gather into a small contiguous buffer so the conversion and the op stay vectorized.
        constexpr int64_t chunk = 256;
        In buffer[chunk];
        for (int64_t i = 0; i < n; i += chunk) {
          int64_t m = std::min(chunk, n - i);
          for (int64_t j = 0; j < m; ++j) {
            buffer[j] = x[(i + j) * stride];
          }
          acc = kernels_.run(buffer, m, acc);
        }
        return acc;
      }
      return kernels_.run(x, n, acc);
    }
    Op op;
    if (stride != 1) {
      for (int64_t i = 0; i < n; ++i) {
        acc = op(acc, cpu::convert<A>(x[i * stride]));
      }
      return acc;
    }
    // Independent accumulators let the compiler use vector lanes without reassociating.
    constexpr int lanes = 16;
    int64_t i = 0;
    if (n >= lanes) {
      A part[lanes];
      std::fill_n(part, lanes, Op::init());
      for (; i + lanes <= n; i += lanes) {
        for (int k = 0; k < lanes; ++k) {
          part[k] = op(part[k], cpu::convert<A>(x[i + k]));
        }
      }
      for (int k = 0; k < lanes; ++k) {
        acc = op(acc, part[k]);
      }
    }
    for (; i < n; ++i) {
      acc = op(acc, cpu::convert<A>(x[i]));
    }
    return acc;
  }

  // acc[k] = op(acc[k], x[r * row_stride + k]) for r < rows, k < n.
  void accumulate(A* acc, const In* x, int64_t n, int64_t row_stride, int64_t rows) const {
    if constexpr (vectorizable) {
      kernels_.accumulate(acc, x, n, row_stride, rows);
    } else {
      Op op;
      for (int64_t r = 0; r < rows; ++r) {
        const In* row = x + r * row_stride;
        for (int64_t k = 0; k < n; ++k) {
          acc[k] = op(acc[k], cpu::convert<A>(row[k]));
        }
      }
    }
  }

private:
  cpu::FloatReduceKernels kernels_{};
};

// How many pieces each output's reduced elements are cut into so that `tasks` outputs keep
// every thread busy; 1 when there are enough outputs or too little work.
int64_t reduced_chunks(int64_t tasks, int64_t red_size) {
  int threads = cpu::num_threads();
  if (threads == 1 || tasks >= 4 * threads || tasks * red_size < min_parallel_work) {
    return 1;
  }
  int64_t wanted = (4 * threads + tasks - 1) / tasks;
  return std::max<int64_t>(1, std::min(wanted, red_size / (min_parallel_work / 4)));
}

// The offset of element e of a (shape, strides) space, without divisions when it is 1-D.
inline int64_t offset_of(int64_t e, const Shape& shape, const Strides& strides) {
  return shape.size() == 1 ? e * strides[0] : elem_to_loc(e, shape, strides);
}

// The offset of reduced position r (row-major over the reduced axes).
inline int64_t reduced_offset(int64_t r, const ReducePlan& plan) {
  return offset_of(r, plan.red_shape, plan.red_in);
}

// Reduces flat reduced indices [lo, hi) of the reduced space starting at `base`.
template <typename In, typename A, typename Op>
A reduce_span(const Loops<In, A, Op>& loops, const In* base, const ReducePlan& plan, int64_t lo,
              int64_t hi, A acc) {
  int64_t run = plan.red_shape.back();
  int64_t stride = plan.red_in.back();
  while (lo < hi) {
    int64_t row = lo / run;
    int64_t col = lo % run;
    int64_t n = std::min(run - col, hi - lo);
    const In* x = base + reduced_offset(row * run, plan) + col * stride;
    acc = loops.run(x, n, stride, acc);
    lo += n;
  }
  return acc;
}

template <typename In, typename Out, typename A, typename Op>
void reduce_runs(const Loops<In, A, Op>& loops, const In* src, Out* dst, const ReducePlan& plan) {
  int64_t outputs = plan.kept_size();
  int64_t red_size = plan.red_size();
  int64_t chunks = reduced_chunks(outputs, red_size);
  int64_t per_chunk = (red_size + chunks - 1) / chunks;
  auto partial = std::make_unique<A[]>(chunks > 1 ? outputs * chunks : 0); // A may be bool
  int64_t grain = std::max<int64_t>(1, min_parallel_work / std::max<int64_t>(per_chunk, 1));
  cpu::parallel_for(outputs * chunks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t e = t / chunks;
      int64_t c = t % chunks;
      const In* base = src + offset_of(e, plan.kept_shape, plan.kept_in);
      int64_t lo = c * per_chunk;
      int64_t hi = std::min(red_size, lo + per_chunk);
      // One reduced axis: one run per output, with no position arithmetic.
      A acc = plan.red_shape.size() == 1
                  ? loops.run(base + lo * plan.red_in[0], hi - lo, plan.red_in[0], Op::init())
                  : reduce_span(loops, base, plan, lo, hi, Op::init());
      if (chunks == 1) {
        dst[offset_of(e, plan.kept_shape, plan.kept_out)] = cpu::convert<Out>(acc);
      } else {
        partial[t] = acc;
      }
    }
  });
  if (chunks > 1) {
    Op op;
    for (int64_t e = 0; e < outputs; ++e) {
      A acc = partial[e * chunks];
      for (int64_t c = 1; c < chunks; ++c) {
        acc = op(acc, partial[e * chunks + c]);
      }
      dst[offset_of(e, plan.kept_shape, plan.kept_out)] = cpu::convert<Out>(acc);
    }
  }
}

template <typename In, typename Out, typename A, typename Op>
void reduce_columns(const Loops<In, A, Op>& loops, const In* src, Out* dst,
                    const ReducePlan& plan) {
  int64_t width = plan.kept_shape.back();
  int64_t out_stride = plan.kept_out.back();
  Shape group_shape(plan.kept_shape.begin(), plan.kept_shape.end() - 1);
  Strides group_in(plan.kept_in.begin(), plan.kept_in.end() - 1);
  Strides group_out(plan.kept_out.begin(), plan.kept_out.end() - 1);
  int64_t groups = 1;
  for (auto d : group_shape) {
    groups *= d;
  }
  int64_t blocks = (width + column_block - 1) / column_block;
  int64_t red_size = plan.red_size();
  int64_t tasks = groups * blocks;
  int64_t chunks = reduced_chunks(tasks, red_size * std::min(width, column_block));
  chunks = std::min(chunks, red_size);
  int64_t per_chunk = (red_size + chunks - 1) / chunks;
  int64_t block = std::min(width, column_block);
  auto partial = std::make_unique<A[]>(chunks > 1 ? tasks * chunks * block : 0);
  int64_t work_per_task = per_chunk * block;
  int64_t grain = std::max<int64_t>(1, min_parallel_work / std::max<int64_t>(work_per_task, 1));
  Op op;
  cpu::parallel_for(tasks * chunks, grain, [&](int64_t begin, int64_t end) {
    auto local = std::make_unique<A[]>(block);
    for (int64_t t = begin; t < end; ++t) {
      int64_t task = t / chunks;
      int64_t c = t % chunks;
      int64_t g = task / blocks;
      int64_t k0 = (task % blocks) * column_block;
      int64_t n = std::min(column_block, width - k0);
      A* acc = chunks > 1 ? partial.get() + t * block : local.get();
      std::fill_n(acc, n, Op::init());
      const In* base = src + elem_to_loc(g, group_shape, group_in) + k0;
      int64_t lo = c * per_chunk;
      int64_t hi = std::min(red_size, lo + per_chunk);
      // Up to `column_rows` consecutive rows of the innermost reduced axis per call.
      int64_t run = plan.red_shape.back();
      int64_t row_stride = plan.red_in.back();
      for (int64_t r = lo; r < hi;) {
        int64_t rows = std::min({column_rows, run - r % run, hi - r});
        loops.accumulate(acc, base + reduced_offset(r, plan), n, row_stride, rows);
        r += rows;
      }
      if (chunks == 1) {
        Out* out = dst + elem_to_loc(g, group_shape, group_out) + k0 * out_stride;
        for (int64_t k = 0; k < n; ++k) {
          out[k * out_stride] = cpu::convert<Out>(acc[k]);
        }
      }
    }
  });
  if (chunks > 1) {
    for (int64_t task = 0; task < tasks; ++task) {
      int64_t g = task / blocks;
      int64_t k0 = (task % blocks) * column_block;
      int64_t n = std::min(column_block, width - k0);
      A* acc = partial.get() + task * chunks * block;
      for (int64_t c = 1; c < chunks; ++c) {
        const A* more = acc + c * block;
        for (int64_t k = 0; k < n; ++k) {
          acc[k] = op(acc[k], more[k]);
        }
      }
      Out* out = dst + elem_to_loc(g, group_shape, group_out) + k0 * out_stride;
      for (int64_t k = 0; k < n; ++k) {
        out[k * out_stride] = cpu::convert<Out>(acc[k]);
      }
    }
  }
}

template <typename In, typename Out, typename A, typename Op>
void reduce_impl(const array& in, array& out, const std::vector<int>& axes) {
  out.set_data(allocator::malloc(out.nbytes()));
  Out* dst = out.data<Out>();
  if (out.size() == 0) {
    return;
  }
  if (in.size() == 0) {
    std::fill_n(dst, out.size(), cpu::convert<Out>(Op::init()));
    return;
  }
  auto plan = make_reduce_plan(in, out, axes);
  const In* src = in.data<In>() + plan.in_offset;
  dst += plan.out_offset;
  Loops<In, A, Op> loops(in.dtype());
  if (plan.kind == ReducePlan::Kind::Column) {
    reduce_columns(loops, src, dst, plan);
  } else {
    reduce_runs(loops, src, dst, plan);
  }
}

// Sum and Prod count bool and integers of up to 32 bits in (u)int32, as MLX.
template <typename In>
using sum_out_t = std::conditional_t<
    std::is_same_v<In, bool> || (std::is_integral_v<In> && std::is_signed_v<In> && sizeof(In) <= 4),
    int32_t, std::conditional_t<std::is_integral_v<In> && sizeof(In) <= 4, uint32_t, In>>;

template <typename In>
void reduce_typed(ReduceType type, const array& in, array& out, const std::vector<int>& axes) {
  using SumOut = sum_out_t<In>;
  using SumAcc = accumulator_t<SumOut>;
  using Acc = accumulator_t<In>;
  switch (type) {
  case ReduceType::And:
    return reduce_impl<In, bool, bool, AndOp>(in, out, axes);
  case ReduceType::Or:
    return reduce_impl<In, bool, bool, OrOp>(in, out, axes);
  case ReduceType::Sum:
    if constexpr (is_half_v<In>) {
      if (out.dtype() == float32) {
        return reduce_impl<In, float, float, SumOp<float>>(in, out, axes);
      }
    }
    return reduce_impl<In, SumOut, SumAcc, SumOp<SumAcc>>(in, out, axes);
  case ReduceType::Prod:
    return reduce_impl<In, SumOut, SumAcc, ProdOp<SumAcc>>(in, out, axes);
  case ReduceType::Max:
    if constexpr (!is_complex_v<In>) {
      return reduce_impl<In, In, Acc, MaxOp<Acc>>(in, out, axes);
    }
    break;
  case ReduceType::Min:
    if constexpr (!is_complex_v<In>) {
      return reduce_impl<In, In, Acc, MinOp<Acc>>(in, out, axes);
    }
    break;
  }
  detail::unsupported_dtype("[reduce]", in.dtype());
}

Dtype natural_out_dtype(ReduceType type, Dtype in) {
  switch (type) {
  case ReduceType::And:
  case ReduceType::Or:
    return bool_;
  case ReduceType::Sum:
  case ReduceType::Prod:
    if (in == bool_ || in == int8 || in == int16 || in == int32) {
      return int32;
    }
    if (in == uint8 || in == uint16 || in == uint32) {
      return uint32;
    }
    return in;
  case ReduceType::Max:
  case ReduceType::Min:
    break;
  }
  return in;
}

} // namespace

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  // Sums of half types may also come out in float32, their accumulator (see mean and var).
  bool float_sum = type_ == ReduceType::Sum && out.dtype() == float32 &&
                   (in.dtype() == float16 || in.dtype() == bfloat16);
  if (!float_sum && out.dtype() != natural_out_dtype(type_, in.dtype())) {
    throw std::invalid_argument("[Reduce] Output dtype does not match the reduction.");
  }
  dispatch_all_types(in.dtype(), [&](auto tag) {
    using In = tag_type_t<decltype(tag)>;
    reduce_typed<In>(type_, in, out, axes_);
  });
}

} // namespace mlx::core
