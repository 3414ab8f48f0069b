// argmin / argmax along one axis: the index of the first extreme value; a NaN counts as the
// extreme, so the first NaN wins (numpy's rule). A row-major input reduced along an axis that
// is not the last one is read row by row into a block of running bests, so every load is
// contiguous; other layouts walk the axis per output element, with a vector kernel
// (reduce_isa.cpp) when that axis is contiguous float32/float16/bfloat16.
#include <algorithm>
#include <cmath>
#include <memory>

#include "backend/common/strides.h"
#include "backend/cpu/reduce_kernels.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/reduce.h"

namespace mlx::core {

namespace {

constexpr int64_t min_parallel_work = 1 << 14;
constexpr int64_t inner_block = 4096;
// Rows that one call of the vector kernel folds into the running (best, index) pairs.
constexpr int64_t rows_per_update = 8;

template <typename T>
constexpr bool has_vector_kernels =
    std::is_same_v<T, float> || std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

// Whether `candidate` replaces `best` (both in the compute type C). Written without branches
// so that the column loop vectorizes.
template <typename C, bool is_max>
bool better(C candidate, C best) {
  bool wins = is_max ? candidate > best : candidate < best;
  if constexpr (std::is_floating_point_v<C>) {
    return (best == best) & (wins | (candidate != candidate));
  } else {
    return wins;
  }
}

cpu::FloatReduceKernels kernels(Dtype dtype, bool is_max) {
  return cpu::float_reduce_kernels(dtype, is_max ? cpu::FloatReduce::Max : cpu::FloatReduce::Min);
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
  int64_t (*vector_arg)(const void*, int64_t) = nullptr;
  if constexpr (has_vector_kernels<T>) {
    if (axis_stride == 1) {
      vector_arg = kernels(in.dtype(), is_max).arg;
    }
  }
  cpu::parallel_for(count, std::max<int64_t>(1, min_parallel_work / n),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t e = lo; e < hi; ++e) {
                        const T* x = src + elem_to_loc(e, shape, strides);
                        if (vector_arg) {
                          dst[e] = static_cast<uint32_t>(vector_arg(x, n));
                          continue;
                        }
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

// Row-major input viewed as (outer, n, inner) with inner > 1: rows update a block of running
// (best, index) pairs, with a vector kernel for float32/float16/bfloat16. Work is split over
// blocks of columns and, when those are too few for the threads, over chunks of rows whose
// partial pairs are then merged in row order, so ties still go to the first index.
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
  int64_t block = std::min(inner, inner_block);
  int64_t tasks = outer * blocks;
  int threads = cpu::num_threads();
  int64_t chunks = 1;
  if (tasks < 2 * threads && n * block * tasks >= min_parallel_work) {
    chunks = std::min<int64_t>(n, (2 * threads + tasks - 1) / tasks);
  }
  int64_t per_chunk = (n + chunks - 1) / chunks;
  chunks = (n + per_chunk - 1) / per_chunk; // no empty chunk
  auto part_best = std::make_unique<C[]>(chunks > 1 ? tasks * chunks * block : 0);
  auto part_idx = std::make_unique<uint32_t[]>(chunks > 1 ? tasks * chunks * block : 0);
  void (*vector_update)(const void*, int64_t, int64_t, uint32_t, float*, uint32_t*, int64_t) =
      nullptr;
  if constexpr (has_vector_kernels<T>) {
    vector_update = kernels(in.dtype(), is_max).arg_update;
  }
  int64_t grain = std::max<int64_t>(1, min_parallel_work / (per_chunk * block));
  cpu::parallel_for(tasks * chunks, grain, [&](int64_t lo, int64_t hi) {
    auto local_best = std::make_unique<C[]>(block);
    for (int64_t t = lo; t < hi; ++t) {
      int64_t task = t / chunks;
      int64_t c = t % chunks;
      int64_t o = task / blocks;
      int64_t k0 = (task % blocks) * inner_block;
      int64_t width = std::min(inner_block, inner - k0);
      int64_t i0 = c * per_chunk;
      int64_t i1 = std::min(n, i0 + per_chunk);
      const T* x = src + o * n * inner + k0;
      C* best = chunks > 1 ? part_best.get() + t * block : local_best.get();
      uint32_t* idx = chunks > 1 ? part_idx.get() + t * block : dst + o * inner + k0;
      if constexpr (has_vector_kernels<T>) {
        // Start from the identity: the first row then wins everywhere (a NaN too).
        std::fill_n(best, width, is_max ? -INFINITY : INFINITY);
        std::fill_n(idx, width, static_cast<uint32_t>(i0));
        for (int64_t i = i0; i < i1; i += rows_per_update) {
          int64_t rows = std::min(rows_per_update, i1 - i);
          vector_update(x + i * inner, inner, rows, static_cast<uint32_t>(i), best, idx, width);
        }
      } else {
        for (int64_t k = 0; k < width; ++k) {
          best[k] = x[i0 * inner + k];
          idx[k] = static_cast<uint32_t>(i0);
        }
        for (int64_t i = i0 + 1; i < i1; ++i) {
          const T* row = x + i * inner;
          auto index = static_cast<uint32_t>(i);
          for (int64_t k = 0; k < width; ++k) {
            bool take = better<C, is_max>(row[k], best[k]);
            best[k] = take ? row[k] : best[k];
            idx[k] = take ? index : idx[k];
          }
        }
      }
    }
  });
  if (chunks > 1) {
    for (int64_t task = 0; task < tasks; ++task) {
      int64_t o = task / blocks;
      int64_t k0 = (task % blocks) * inner_block;
      int64_t width = std::min(inner_block, inner - k0);
      C* best = part_best.get() + task * chunks * block;
      uint32_t* idx = part_idx.get() + task * chunks * block;
      for (int64_t c = 1; c < chunks; ++c) {
        for (int64_t k = 0; k < width; ++k) {
          if (better<C, is_max>(best[c * block + k], best[k])) {
            best[k] = best[c * block + k];
            idx[k] = idx[c * block + k];
          }
        }
      }
      std::copy_n(idx, width, dst + o * inner + k0);
    }
  }
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
