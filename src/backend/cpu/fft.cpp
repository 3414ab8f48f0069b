// FFT::eval_cpu: the input, cut or zero-padded to the work shape, is transformed one axis at a
// time (transforms along different axes commute); the lines along an axis are independent and
// run in parallel. The 1-D transforms are our own (fft_plan.h).
#include "core/primitives/fft.h"

#include <algorithm>
#include <cmath>

#include "backend/common/strides.h"
#include "backend/cpu/fft_plan.h"
#include "backend/cpu/thread_pool.h"

namespace mlx::core {

namespace {

using cpu::fft::Plan;
using cpu::fft::RealPlan;
using C = cpu::fft::Complex<float>;
static_assert(sizeof(C) == sizeof(complex64_t));

// Lines strided through memory (any axis but the last) go through a contiguous buffer this
// many at a time, so that each gathered cache line serves several lines.
constexpr int64_t kLineBlock = 16;

// Work (about points x log2 points) below which the pool does not split off another task.
constexpr int64_t kTaskWork = 1 << 16;

int64_t product(const Shape& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) {
    p *= shape[i];
  }
  return p;
}

int64_t line_work(int64_t len) {
  return len *
         (1 + static_cast<int64_t>(std::log2(static_cast<double>(std::max<int64_t>(len, 1)))));
}

// Copies `in` (any strides) into the row-major buffer of `shape`: the part every axis has in
// common, zeros beyond the input's end.
template <typename T>
void stage_input(const T* src, const array& in, const Shape& shape, T* dst) {
  Shape region(shape.size());
  bool padded = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    region[i] = std::min(in.shape(i), shape[i]);
    padded |= region[i] < shape[i];
  }
  if (padded) {
    std::fill(dst, dst + product(shape, 0, shape.size()), T{});
  }
  if (product(region, 0, region.size()) == 0) {
    return;
  }
  auto [cshape, cstrides] =
      collapse_contiguous_dims(region, {in.strides(), make_row_major_strides(shape)});
  const int64_t rows = row_count(cshape);
  const int64_t row_len = cshape.empty() ? 1 : cshape.back();
  cpu::parallel_for(rows, std::max<int64_t>(1, kTaskWork / row_len), [&](int64_t lo, int64_t hi) {
    for_each_row<2>(cshape, {&cstrides[0], &cstrides[1]}, lo, hi,
                    [&](const auto& offsets, int64_t len, const auto& strides) {
                      for (int64_t i = 0; i < len; ++i) {
                        dst[offsets[1] + i * strides[1]] = src[offsets[0] + i * strides[0]];
                      }
                    });
  });
}

// Calls fn(src_line, dst_line, scratch) on every line along `axis` of two row-major buffers
// whose shapes differ only in that axis (src_len and dst_len long). src may equal dst.
template <typename S, typename D, typename Fn>
void for_each_line(const S* src, int64_t src_len, D* dst, int64_t dst_len, const Shape& shape,
                   int axis, int64_t scratch_size, Fn&& fn) {
  const int64_t outer = product(shape, 0, axis);
  const int64_t inner = product(shape, axis + 1, shape.size());
  const int64_t work = line_work(std::max(src_len, dst_len));
  if (inner == 1) {
    cpu::parallel_for(outer, std::max<int64_t>(1, kTaskWork / work), [&](int64_t lo, int64_t hi) {
      std::vector<C> scratch(scratch_size);
      for (int64_t o = lo; o < hi; ++o) {
        fn(src + o * src_len, dst + o * dst_len, scratch.data());
      }
    });
    return;
  }
  const int64_t blocks = (inner + kLineBlock - 1) / kLineBlock;
  const int64_t grain = std::max<int64_t>(1, kTaskWork / (work * kLineBlock));
  cpu::parallel_for(outer * blocks, grain, [&](int64_t lo, int64_t hi) {
    std::vector<S> src_lines(kLineBlock * src_len);
    std::vector<D> dst_lines(kLineBlock * dst_len);
    std::vector<C> scratch(scratch_size);
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t o = task / blocks;
      const int64_t first = (task % blocks) * kLineBlock;
      const int64_t width = std::min(kLineBlock, inner - first);
      const S* s = src + o * src_len * inner + first;
      for (int64_t t = 0; t < src_len; ++t) {
        for (int64_t b = 0; b < width; ++b) {
          src_lines[b * src_len + t] = s[t * inner + b];
        }
      }
      for (int64_t b = 0; b < width; ++b) {
        fn(&src_lines[b * src_len], &dst_lines[b * dst_len], scratch.data());
      }
      D* d = dst + o * dst_len * inner + first;
      for (int64_t t = 0; t < dst_len; ++t) {
        for (int64_t b = 0; b < width; ++b) {
          d[t * inner + b] = dst_lines[b * dst_len + t];
        }
      }
    }
  });
}

// Complex transform of every line along `axis` (shape is that of src and dst).
void complex_pass(const C* src, C* dst, const Shape& shape, int axis, bool inverse, float scale) {
  const int64_t len = shape[axis];
  auto plan = Plan<float>::get(len);
  for_each_line(src, len, dst, len, shape, axis, plan->scratch_size(),
                [&](const C* s, C* d, C* scratch) {
                  if (s != d) {
                    std::copy(s, s + len, d);
                  }
                  plan->execute(d, scratch, inverse);
                  if (scale != 1.0f) {
                    for (int64_t i = 0; i < len; ++i) {
                      d[i] = {d[i].re * scale, d[i].im * scale};
                    }
                  }
                });
}

// Real to complex along `axis`: src lines of n reals (src_shape) to n / 2 + 1 outputs.
void real_forward_pass(const float* src, const Shape& src_shape, C* dst, int axis) {
  const int64_t n = src_shape[axis];
  auto plan = RealPlan<float>::get(n);
  for_each_line(src, n, dst, n / 2 + 1, src_shape, axis, plan->scratch_size(),
                [&](const float* s, C* d, C* scratch) { plan->forward(s, d, scratch); });
}

// Complex to real along `axis`: src lines of n / 2 + 1 values (src_shape) to n reals.
void real_inverse_pass(const C* src, const Shape& src_shape, float* dst, int64_t n, int axis,
                       float scale) {
  auto plan = RealPlan<float>::get(n);
  for_each_line(src, n / 2 + 1, dst, n, src_shape, axis, plan->scratch_size(),
                [&](const C* s, float* d, C* scratch) {
                  plan->inverse(s, d, scratch);
                  for (int64_t i = 0; i < n; ++i) {
                    d[i] *= scale;
                  }
                });
}

// A row-major buffer of `shape` (tracked by the allocator like any array).
array scratch_array(const Shape& shape, Dtype dtype) {
  array a(shape, dtype, nullptr, {});
  a.set_data(allocator::malloc(a.nbytes()));
  return a;
}

} // namespace

void FFT::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  const Shape work = work_shape(in.shape());
  // The input can feed the first pass directly when it already is the row-major work buffer.
  const bool direct = in.flags().row_contiguous && in.shape() == work;
  double count = 1.0;
  for (int len : n_) {
    count *= len;
  }
  const float scale = inverse_ ? static_cast<float>(1.0 / count) : 1.0f;
  const int real_axis = axes_.back();

  if (!real_) {
    C* data = reinterpret_cast<C*>(out.data<complex64_t>());
    const C* src = reinterpret_cast<const C*>(in.data<complex64_t>());
    if (!direct) {
      stage_input(src, in, work, data);
      src = data;
    }
    for (size_t i = 0; i < axes_.size(); ++i) {
      complex_pass(i == 0 ? src : data, data, work, axes_[i], inverse_,
                   i + 1 == axes_.size() ? scale : 1.0f);
    }
    return;
  }

  if (!inverse_) {
    const float* src = in.data<float>();
    array staged = direct ? in : scratch_array(work, float32);
    if (!direct) {
      stage_input(src, in, work, staged.data<float>());
      src = staged.data<float>();
    }
    C* data = reinterpret_cast<C*>(out.data<complex64_t>());
    real_forward_pass(src, work, data, real_axis);
    for (size_t i = 0; i + 1 < axes_.size(); ++i) {
      complex_pass(data, data, out.shape(), axes_[i], false, 1.0f);
    }
    return;
  }

  // Complex to real: the complex axes first (in a copy, never in the input), then the real one.
  const C* src = reinterpret_cast<const C*>(in.data<complex64_t>());
  array staged = direct && axes_.size() == 1 ? in : scratch_array(work, complex64);
  C* data = reinterpret_cast<C*>(staged.data<complex64_t>());
  if (!(direct && axes_.size() == 1)) {
    stage_input(src, in, work, data);
    src = data;
  }
  for (size_t i = 0; i + 1 < axes_.size(); ++i) {
    complex_pass(data, data, work, axes_[i], true, 1.0f);
  }
  real_inverse_pass(src, work, out.data<float>(), n_.back(), real_axis, scale);
}

} // namespace mlx::core
