// The fused Softmax and LogSumExp along the last axis. Rows are split across threads; each
// row is handled by a vector kernel (softmax_isa.cpp) for float32/float16/bfloat16, and by a
// plain loop in double for float64. A donated, row-contiguous input is overwritten in place.
#include "core/primitives/softmax.h"

#include <cmath>
#include <limits>
#include <vector>

#include "backend/common/strides.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/isa_select.h"
#include "backend/cpu/softmax_kernels.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core {

cpu::SoftmaxKernels cpu::softmax_kernels(Dtype dtype) {
  return pick_isa(isa_baseline::softmax_kernels, isa_avx2::softmax_kernels,
                  isa_avx512::softmax_kernels)(dtype);
}

namespace {

// Rows of at least this many elements get a thread each; shorter rows are grouped.
constexpr int64_t min_parallel_work = 1 << 14;
// Softmax outputs of at least this many bytes bypass the caches.
constexpr size_t stream_threshold = size_t{16} << 20;

void softmax_row_double(const double* x, double* y, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    nan |= std::isnan(x[i]);
    m = std::max(m, x[i]);
  }
  m = nan ? std::numeric_limits<double>::quiet_NaN() : m;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += std::exp(x[i] - m);
  }
  double scale = 1.0 / sum;
  for (int64_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - m) * scale;
  }
}

double logsumexp_row_double(const double* x, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) {
      return x[i];
    }
    m = std::max(m, x[i]);
  }
  if (std::isinf(m)) {
    return m;
  }
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += std::exp(x[i] - m);
  }
  return m + std::log(sum);
}

// The input (at least 1-D) with its last axis contiguous: itself, or a row-major copy.
array rows_view(const array& in) {
  if (in.strides().back() == 1 || in.shape().back() == 1) {
    return in;
  }
  array copy(in.shape(), in.dtype(), nullptr, {});
  cpu::copy_row_major(in, copy);
  return copy;
}

// Calls fn(row_index, row, next_row, scratch) for every row, in parallel: next_row is the row
// the same thread handles next (null after its last), scratch holds `scratch_size` floats.
template <typename T, typename F>
void for_each_row_parallel(const array& in, int64_t scratch_size, F&& fn) {
  int64_t n = in.shape().back();
  int64_t rows = n == 0 ? 0 : static_cast<int64_t>(in.size()) / n;
  Shape outer(in.shape().begin(), in.shape().end() - 1);
  Strides outer_strides(in.strides().begin(), in.strides().end() - 1);
  const T* src = in.data<T>();
  bool row_major = in.flags().row_contiguous;
  auto row = [&](int64_t r) {
    return src + (row_major ? r * n : elem_to_loc(r, outer, outer_strides));
  };
  cpu::parallel_for(rows, std::max<int64_t>(1, min_parallel_work / std::max<int64_t>(n, 1)),
                    [&](int64_t begin, int64_t end) {
                      std::vector<float> scratch(scratch_size);
                      for (int64_t r = begin; r < end; ++r) {
                        fn(r, row(r), r + 1 < end ? row(r + 1) : nullptr, scratch.data());
                      }
                    });
}

} // namespace

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  // Asked before `in` takes another reference to the input.
  bool donatable = inputs[0].is_donatable();
  array in = rows_view(inputs[0]);
  bool copied = in.id() != inputs[0].id();
  if ((copied || donatable) && in.flags().row_contiguous && in.dtype() == out.dtype()) {
    out.copy_shared_buffer(in);
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
  }
  int64_t n = in.shape().back();
  // An output too large to stay cached is streamed past the caches; one written over its own
  // input is already in them.
  bool streaming = out.nbytes() >= stream_threshold && out.data<void>() != in.data<void>();
  dispatch_float_types(in.dtype(), "[softmax]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* dst = out.data<T>();
    if constexpr (std::is_same_v<T, double>) {
      for_each_row_parallel<T>(in, 0, [&](int64_t r, const T* x, const T*, float*) {
        softmax_row_double(x, dst + r * n, n);
      });
    } else {
      auto kernel = cpu::softmax_kernels(in.dtype()).softmax;
      for_each_row_parallel<T>(in, n, [&](int64_t r, const T* x, const T* next, float* scratch) {
        kernel(x, dst + r * n, n, scratch, streaming, next);
      });
    }
  });
}

void LogSumExp::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = rows_view(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  int64_t n = in.shape().back();
  dispatch_float_types(in.dtype(), "[logsumexp]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* dst = out.data<T>();
    if constexpr (std::is_same_v<T, double>) {
      for_each_row_parallel<T>(in, 0, [&](int64_t r, const T* x, const T*, float*) {
        dst[r] = logsumexp_row_double(x, n);
      });
    } else {
      auto kernel = cpu::softmax_kernels(in.dtype()).logsumexp;
      for_each_row_parallel<T>(in, 0, [&](int64_t r, const T* x, const T* next, float*) {
        dst[r] = static_cast<T>(kernel(x, n, next));
      });
    }
  });
}

} // namespace mlx::core
