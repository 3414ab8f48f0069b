// Views (reshape of contiguous data, transpose, broadcast, slice, as_strided, view) share the
// input's buffer; copies and conversions go through copy.h.
#include "core/primitives/shape.h"

#include <cstring>
#include <numeric>

#include "backend/common/strides.h"
#include "backend/cpu/convert.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/elementwise.h"

namespace mlx::core {

namespace {

void share_with_strides(const array& in, array& out, const Strides& strides, int64_t offset = 0) {
  auto c = check_contiguity(out.shape(), strides);
  out.copy_shared_buffer(in, strides, c.flags, c.data_size, offset);
}

} // namespace

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::copy_to_output(inputs[0], out);
}

void Copy::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::copy_to_output(inputs[0], out);
}

std::optional<Strides> Reshape::view_strides(const array& in, const Shape& shape) {
  if (in.flags().row_contiguous) {
    return make_row_major_strides(shape);
  }
  // A strided input can still be viewed when each output axis maps onto a run of input axes
  // that are contiguous with one another (numpy's rule).
  Strides out_strides(shape.size());
  size_t i = 0; // input axis
  size_t o = 0; // output axis
  const auto& ishape = in.shape();
  const auto& istrides = in.strides();
  while (o < shape.size() || i < ishape.size()) {
    // Skip unit axes on either side.
    if (i < ishape.size() && ishape[i] == 1) {
      ++i;
      continue;
    }
    if (o < shape.size() && shape[o] == 1) {
      out_strides[o++] = 1;
      continue;
    }
    if (i >= ishape.size() || o >= shape.size()) {
      return std::nullopt;
    }
    // Grow a group of input axes and a group of output axes until their sizes match.
    size_t i_end = i + 1;
    size_t o_end = o + 1;
    int64_t isize = ishape[i];
    int64_t osize = shape[o];
    while (isize != osize) {
      if (isize < osize) {
        if (i_end >= ishape.size()) {
          return std::nullopt;
        }
        isize *= ishape[i_end++];
      } else {
        if (o_end >= shape.size()) {
          return std::nullopt;
        }
        osize *= shape[o_end++];
      }
    }
    for (size_t k = i; k + 1 < i_end; ++k) {
      if (ishape[k + 1] != 1 && istrides[k] != istrides[k + 1] * ishape[k + 1]) {
        return std::nullopt;
      }
    }
    // Output axes of the group take strides from the group's innermost input stride.
    int64_t stride = istrides[i_end - 1];
    for (size_t k = o_end; k-- > o;) {
      out_strides[k] = stride;
      stride *= shape[k];
    }
    i = i_end;
    o = o_end;
  }
  return out_strides;
}

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (auto strides = view_strides(in, out.shape())) {
    share_with_strides(in, out, *strides);
  } else {
    cpu::copy_row_major(in, out);
  }
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  Strides strides(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) {
    strides[i] = in.strides()[axes_[i]];
  }
  share_with_strides(in, out, strides);
}

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  Strides strides(out.ndim(), 0);
  int diff = static_cast<int>(out.ndim() - in.ndim());
  for (int i = static_cast<int>(in.ndim()) - 1; i >= 0; --i) {
    strides[i + diff] = in.shape(i) == 1 ? 0 : in.strides()[i];
  }
  share_with_strides(in, out, strides);
}

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  Strides strides(in.ndim());
  int64_t offset = 0;
  for (size_t i = 0; i < in.ndim(); ++i) {
    offset += static_cast<int64_t>(start_[i]) * in.strides()[i];
    strides[i] = in.strides()[i] * strides_[i];
  }
  share_with_strides(in, out, strides, offset);
}

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  share_with_strides(inputs[0], out, strides_, static_cast<int64_t>(offset_));
}

void Contiguous::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (in.flags().row_contiguous || (allow_col_major_ && in.flags().col_contiguous)) {
    if (in.data_size() == in.size()) {
      out.copy_shared_buffer(in);
      return;
    }
  }
  cpu::copy_row_major(in, out);
}

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (in.itemsize() == out.itemsize() ||
      (in.flags().row_contiguous && in.data_size() == in.size())) {
    Strides strides = in.strides();
    if (in.itemsize() != out.itemsize() && !strides.empty()) {
      strides = make_row_major_strides(out.shape());
    }
    auto c = check_contiguity(out.shape(), strides);
    out.copy_shared_buffer(in, strides, c.flags, c.data_size);
    return;
  }
  // Make the bytes contiguous in the input's dtype, then reinterpret them.
  array tmp(in.shape(), in.dtype(), nullptr, {});
  cpu::copy_row_major(in, tmp);
  auto strides = make_row_major_strides(out.shape());
  auto c = check_contiguity(out.shape(), strides);
  out.copy_shared_buffer(tmp, strides, c.flags, c.data_size);
}

void Concatenate::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  int64_t offset = 0;
  const auto& strides = out.strides();
  for (const auto& in : inputs) {
    cpu::copy_into(in, out, strides, offset);
    offset += static_cast<int64_t>(in.shape(axis_)) * strides[axis_];
  }
}

void Pad::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  const auto& value = inputs[1];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  // Fill everything from a broadcast view of the scalar, then copy the input into its window.
  array fill(out.shape(), out.dtype(), nullptr, {});
  Strides zeros(out.ndim(), 0);
  auto c = check_contiguity(out.shape(), zeros);
  fill.copy_shared_buffer(value, zeros, c.flags, c.data_size);
  cpu::copy_into(fill, out);
  int64_t offset = 0;
  for (size_t i = 0; i < axes_.size(); ++i) {
    offset += static_cast<int64_t>(low_pad_size_[i]) * out.strides()[axes_[i]];
  }
  cpu::copy_into(in, out, out.strides(), offset);
}

void Diagonal::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  Strides strides;
  for (int i = 0; i < static_cast<int>(in.ndim()); ++i) {
    if (i != axis1_ && i != axis2_) {
      strides.push_back(in.strides()[i]);
    }
  }
  int64_t s1 = in.strides()[axis1_];
  int64_t s2 = in.strides()[axis2_];
  strides.push_back(s1 + s2);
  int64_t offset = std::max(-offset_, 0) * s1 + std::max(offset_, 0) * s2;
  share_with_strides(in, out, strides, offset);
}

void Depends::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i].copy_shared_buffer(inputs[i]);
  }
}

void Full::eval_cpu(const std::vector<array>& inputs, array& out) {
  // The value arrives broadcast (data_size 1) or with the output's shape.
  cpu::copy_row_major(inputs[0], out);
}

void Arange::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  dispatch_all_types(out.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* dst = out.data<T>();
    size_t n = out.size();
    if constexpr (std::is_integral_v<T>) {
      // As numpy and MLX: the first two values in the integer type fix the step, so
      // arange(0, 5, 0.5, int32) is all zeros. Wraps like the integer type.
      auto first = static_cast<int64_t>(start_);
      auto delta = static_cast<int64_t>(start_ + step_) - first;
      for (size_t i = 0; i < n; ++i) {
        dst[i] = static_cast<T>(first + static_cast<int64_t>(i) * delta);
      }
    } else {
      // start + i * step in double, rounded once (MLX's GPU formula, numpy's too).
      for (size_t i = 0; i < n; ++i) {
        dst[i] = cpu::convert<T>(start_ + static_cast<double>(i) * step_);
      }
    }
  });
}

} // namespace mlx::core
