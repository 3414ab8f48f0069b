// Slice updates (static and with run-time starts) and dynamic slices. The updates copy the
// source first, reusing its buffer when it can be donated, then write the window in place.
#include "backend/cpu/copy.h"
#include "backend/cpu/indices.h"
#include "core/primitives/indexing.h"

namespace mlx::core {

namespace {

// The element offset of a window of `extent` whose start along `axes` is read from `start`;
// each start is wrapped and clamped so that the window fits (see indexing.h).
int64_t dynamic_offset(const array& start, const std::vector<int>& axes, const Shape& shape,
                       const Shape& extent, const Strides& strides) {
  int64_t offset = 0;
  dispatch_int_types(start.dtype(), "[DynamicSlice]", [&](auto tag) {
    cpu::IndexReader<tag_type_t<decltype(tag)>> read(start);
    for (size_t i = 0; i < axes.size(); ++i) {
      int ax = axes[i];
      offset +=
          cpu::clamp_index(read(static_cast<int64_t>(i)), shape[ax], extent[ax]) * strides[ax];
    }
  });
  return offset;
}

} // namespace

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& upd = inputs[1];
  cpu::copy_to_dense_output(inputs[0], out);
  if (upd.size() == 0) {
    return;
  }
  Strides window_strides(out.ndim());
  int64_t offset = 0;
  for (size_t i = 0; i < out.ndim(); ++i) {
    offset += static_cast<int64_t>(start_[i]) * out.strides()[i];
    window_strides[i] = out.strides()[i] * strides_[i];
  }
  cpu::copy_into(upd, out, window_strides, offset);
}

void DynamicSlice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  int64_t offset = dynamic_offset(inputs[1], axes_, in.shape(), out.shape(), in.strides());
  auto c = check_contiguity(out.shape(), in.strides());
  out.copy_shared_buffer(in, in.strides(), c.flags, c.data_size, offset);
}

void DynamicSliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& upd = inputs[1];
  cpu::copy_to_dense_output(inputs[0], out);
  if (upd.size() == 0) {
    return;
  }
  int64_t offset = dynamic_offset(inputs[2], axes_, out.shape(), upd.shape(), out.strides());
  cpu::copy_into(upd, out, out.strides(), offset);
}

} // namespace mlx::core
