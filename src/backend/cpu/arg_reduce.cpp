// argmin / argmax along one axis: the index of the first extreme value; a NaN counts as the
// extreme, so the first NaN wins (numpy's rule). A row-major input reduced along an axis that
// is not the last one is read row by row into a block of running bests, so every load is
// contiguous; other layouts walk the axis per output element.
#include <cmath>
#include <memory>

#include "backend/common/strides.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/reduce.h"

namespace mlx::core {

namespace {

constexpr int64_t min_parallel_work = 1 << 14;
constexpr int64_t inner_block = 1024;

// Whether `candidate` replaces `best` (both in the compute type C).
template <typename C, bool is_max>
bool better(C candidate, C best) {
  if constexpr (std::is_floating_point_v<C>) {
    if (best != best) {
      return false;
    }
    return candidate != candidate || (is_max ? candidate > best : candidate < best);
  } else {
    return is_max ? candidate > best : candidate < best;
  }
}

template <typename T, bool is_max>
void arg_reduce_strided(const array& in, uint32_t* dst, int axis) {
  using C = accumulator_t<T>;
  const T* src = in.data<T>();
  int64_t n = in.shape(axis);
  int64_t axis_stride = in.strides()[axis];
  Shape shape = in.shape();
  Strides strides = in.strides();
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  int64_t count = static_cast<int64_t>(in.size()) / n;
  cpu::parallel_for(count, std::max<int64_t>(1, min_parallel_work / n),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t e = lo; e < hi; ++e) {
                        const T* x = src + elem_to_loc(e, shape, strides);
                        uint32_t best_index = 0;
                        C best = static_cast<C>(x[0]);
                        for (int64_t i = 1; i < n; ++i) {
                          C v = static_cast<C>(x[i * axis_stride]);
                          if (better<C, is_max>(v, best)) {
                            best = v;
                            best_index = static_cast<uint32_t>(i);
                          }
                        }
                        dst[e] = best_index;
                      }
                    });
}

// Row-major input viewed as (outer, n, inner) with inner > 1.
template <typename T, bool is_max>
void arg_reduce_columns(const array& in, uint32_t* dst, int axis) {
  using C = accumulator_t<T>;
  const T* src = in.data<T>();
  int64_t n = in.shape(axis);
  int64_t outer = 1;
  int64_t inner = 1;
  for (int i = 0; i < axis; ++i) {
    outer *= in.shape(i);
  }
  for (size_t i = axis + 1; i < in.ndim(); ++i) {
    inner *= in.shape(i);
  }
  int64_t blocks = (inner + inner_block - 1) / inner_block;
  int64_t block_work = n * std::min(inner, inner_block);
  cpu::parallel_for(outer * blocks, std::max<int64_t>(1, min_parallel_work / block_work),
                    [&](int64_t lo, int64_t hi) {
                      auto best = std::make_unique<C[]>(std::min(inner, inner_block));
                      for (int64_t t = lo; t < hi; ++t) {
                        int64_t o = t / blocks;
                        int64_t k0 = (t % blocks) * inner_block;
                        int64_t width = std::min(inner_block, inner - k0);
                        const T* x = src + o * n * inner + k0;
                        uint32_t* idx = dst + o * inner + k0;
                        for (int64_t k = 0; k < width; ++k) {
                          best[k] = static_cast<C>(x[k]);
                          idx[k] = 0;
                        }
                        for (int64_t i = 1; i < n; ++i) {
                          const T* row = x + i * inner;
                          for (int64_t k = 0; k < width; ++k) {
                            C v = static_cast<C>(row[k]);
                            if (better<C, is_max>(v, best[k])) {
                              best[k] = v;
                              idx[k] = static_cast<uint32_t>(i);
                            }
                          }
                        }
                      }
                    });
}

template <typename T, bool is_max>
void arg_reduce(const array& in, array& out, int axis) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  uint32_t* dst = out.data<uint32_t>();
  if (in.flags().row_contiguous && axis + 1 < static_cast<int>(in.ndim()) &&
      in.strides()[axis] != 1) {
    arg_reduce_columns<T, is_max>(in, dst, axis);
  } else {
    arg_reduce_strided<T, is_max>(in, dst, axis);
  }
}

} // namespace

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  dispatch_real_types(in.dtype(), name(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    if (type_ == ArgReduceType::ArgMax) {
      arg_reduce<T, true>(in, out, axis_);
    } else {
      arg_reduce<T, false>(in, out, axis_);
    }
  });
}

} // namespace mlx::core
