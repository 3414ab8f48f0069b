// argmin / argmax along one axis: the index of the first extreme value (NaN counts as the
// extreme, as numpy).
#include <cmath>

#include "backend/common/strides.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/reduce.h"

namespace mlx::core {

namespace {

template <typename T, bool is_max>
bool better(T candidate, T best) {
  if constexpr (is_floating_v<T>) {
    float c = static_cast<float>(candidate);
    float b = static_cast<float>(best);
    if constexpr (std::is_same_v<T, double>) {
      if (std::isnan(best)) {
        return false;
      }
      return std::isnan(candidate) || (is_max ? candidate > best : candidate < best);
    } else {
      if (std::isnan(b)) {
        return false;
      }
      return std::isnan(c) || (is_max ? c > b : c < b);
    }
  } else {
    return is_max ? candidate > best : candidate < best;
  }
}

template <typename T, bool is_max>
void arg_reduce(const array& in, array& out, int axis) {
  out.set_data(allocator::malloc(out.nbytes()));
  const T* src = in.data<T>();
  uint32_t* dst = out.data<uint32_t>();
  int64_t n = in.shape(axis);
  int64_t axis_stride = in.strides()[axis];
  Shape shape = in.shape();
  Strides strides = in.strides();
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  int64_t count = out.size();
  cpu::parallel_for(count, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(n, 1)),
                    [&](int64_t lo, int64_t hi) {
                      for (int64_t e = lo; e < hi; ++e) {
                        const T* x = src + elem_to_loc(e, shape, strides);
                        uint32_t best_index = 0;
                        T best = x[0];
                        for (int64_t i = 1; i < n; ++i) {
                          T v = x[i * axis_stride];
                          if (better<T, is_max>(v, best)) {
                            best = v;
                            best_index = static_cast<uint32_t>(i);
                          }
                        }
                        dst[e] = best_index;
                      }
                    });
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
