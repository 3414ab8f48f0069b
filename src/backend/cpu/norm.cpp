// rms_norm and layer_norm over the last axis, computed in float, one row per task item.
#include <cmath>

#include "backend/cpu/copy.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/fast.h"

namespace mlx::core {

namespace {

// A row-major version of `a` (the array itself when it already is one).
array row_major(const array& a) {
  if (a.flags().row_contiguous && a.data_size() == a.size()) {
    return a;
  }
  array tmp(a.shape(), a.dtype(), nullptr, {});
  cpu::copy_row_major(a, tmp);
  return tmp;
}

// Sum of x[i] (or x[i]^2) with independent accumulators, so the loop vectorizes.
template <typename T, bool squared>
float row_sum(const T* x, int n, float shift = 0.0f) {
  constexpr int lanes = 8;
  float acc[lanes] = {};
  int i = 0;
  for (; i + lanes <= n; i += lanes) {
    for (int k = 0; k < lanes; ++k) {
      float v = static_cast<float>(x[i + k]) - shift;
      acc[k] += squared ? v * v : v;
    }
  }
  float total = 0.0f;
  for (int k = 0; k < lanes; ++k) {
    total += acc[k];
  }
  for (; i < n; ++i) {
    float v = static_cast<float>(x[i]) - shift;
    total += squared ? v * v : v;
  }
  return total;
}

int64_t rows_per_task(int n) {
  return std::max<int64_t>(1, (1 << 14) / std::max(n, 1));
}

} // namespace

void RMSNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = row_major(inputs[0]);
  array w = row_major(inputs[1]);
  out.set_data(allocator::malloc(out.nbytes()));
  int n = x.shape(-1);
  int64_t rows = n == 0 ? 0 : static_cast<int64_t>(x.size() / n);
  dispatch_float_types(out.dtype(), "[rms_norm]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const T* src = x.data<T>();
    const T* weight = w.data<T>();
    T* dst = out.data<T>();
    cpu::parallel_for(rows, rows_per_task(n), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const T* row = src + r * n;
        float inv = 1.0f / std::sqrt(row_sum<T, true>(row, n) / n + eps_);
        T* o = dst + r * n;
        for (int i = 0; i < n; ++i) {
          // Normalize in float, round to the dtype, then scale: as MLX's kernel.
          o[i] = static_cast<T>(static_cast<float>(weight[i]) * (static_cast<float>(row[i]) * inv));
        }
      }
    });
  });
}

void LayerNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = row_major(inputs[0]);
  array w = row_major(inputs[1]);
  array b = row_major(inputs[2]);
  out.set_data(allocator::malloc(out.nbytes()));
  int n = x.shape(-1);
  int64_t rows = n == 0 ? 0 : static_cast<int64_t>(x.size() / n);
  dispatch_float_types(out.dtype(), "[layer_norm]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const T* src = x.data<T>();
    const T* weight = w.data<T>();
    const T* bias = b.data<T>();
    T* dst = out.data<T>();
    cpu::parallel_for(rows, rows_per_task(n), [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const T* row = src + r * n;
        float mean = row_sum<T, false>(row, n) / n;
        // Second pass on the centred values: no cancellation as in E[x^2] - E[x]^2.
        float var = row_sum<T, true>(row, n, mean) / n;
        float inv = 1.0f / std::sqrt(var + eps_);
        T* o = dst + r * n;
        for (int i = 0; i < n; ++i) {
          float normalized = (static_cast<float>(row[i]) - mean) * inv;
          o[i] = static_cast<T>(normalized * static_cast<float>(weight[i]) +
                                static_cast<float>(bias[i]));
        }
      }
    });
  });
}

} // namespace mlx::core
