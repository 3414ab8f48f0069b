// Slices: static strided slices (views), slices whose start is an array read at run time,
// slice updates, and diagonals.
#include <algorithm>

#include "core/ops/ops_common.h"
#include "core/primitives/indexing.h"
#include "core/primitives/shape.h"

namespace mlx::core {

namespace {

struct NormalizedSlice {
  Shape out_shape;
  bool has_negative_strides{false};
};

// Numpy's rules: negative start/stop count from the end, then both are clamped to the axis
// (to [0, n] for positive strides, to [-1, n - 1] for negative ones). Start is rewritten to
// the first element read; stop is only used to size the output.
NormalizedSlice normalize_slice(const char* op, const Shape& shape, Shape& start, Shape& stop,
                                Shape& strides) {
  NormalizedSlice r;
  r.out_shape.resize(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t n = shape[i];
    int64_t step = strides[i];
    if (step == 0) {
      throw op_error(op, "Slice strides must be non-zero.");
    }
    int64_t st = start[i] < 0 ? start[i] + n : start[i];
    int64_t sp = stop[i] < 0 ? stop[i] + n : stop[i];
    int64_t size = 0;
    if (step > 0) {
      st = std::clamp<int64_t>(st, 0, n);
      sp = std::clamp<int64_t>(sp, 0, n);
      size = sp > st ? (sp - st + step - 1) / step : 0;
    } else {
      r.has_negative_strides = true;
      st = std::clamp<int64_t>(st, -1, n - 1);
      sp = std::clamp<int64_t>(sp, -1, n - 1);
      size = st > sp ? (st - sp - step - 1) / (-step) : 0;
    }
    start[i] = static_cast<ShapeElem>(st);
    stop[i] = static_cast<ShapeElem>(sp);
    r.out_shape[i] = static_cast<ShapeElem>(size);
    // A stride is irrelevant when at most one element is read.
    if (size <= 1) {
      strides[i] = 1;
    }
  }
  return r;
}

// The checks shared by slice and slice_update with array start indices; normalizes `axes`.
void check_dynamic_slice(const char* op, const array& a, const array& start,
                         std::vector<int>& axes) {
  if (start.ndim() > 1) {
    throw op_error(op, "The array of starting indices must be zero or one dimensional but has ",
                   start.ndim(), " dimensions.");
  }
  if (start.size() != axes.size()) {
    throw op_error(op, "Number of starting indices ", start.size(),
                   " does not match number of axes ", axes.size(), ".");
  }
  if (!issubdtype(start.dtype(), integer)) {
    throw op_error(op, "Start indices must be integers, got type ", start.dtype(), ".");
  }
  std::vector<int> seen;
  for (auto& ax : axes) {
    ax = normalize_axis(op, ax, a.ndim());
    if (std::find(seen.begin(), seen.end(), ax) != seen.end()) {
      throw op_error(op, "Repeat axes not allowed.");
    }
    seen.push_back(ax);
  }
}

// broadcast_to with the caller's name in the error.
array broadcast_update(const char* op, const array& update, Dtype dtype, const Shape& shape,
                       StreamOrDevice s) {
  try {
    return broadcast_to(astype(update, dtype, s), shape, s);
  } catch (const std::invalid_argument&) {
    throw op_error(op, "Update of shape ", update.shape(), " cannot be broadcast to shape ", shape,
                   ".");
  }
}

} // namespace

array slice(const array& a, Shape start, Shape stop, Shape strides, StreamOrDevice s) {
  if (start.size() != a.ndim() || stop.size() != a.ndim() || strides.size() != a.ndim()) {
    throw op_error("slice", "Invalid number of indices or strides for array with dimension ",
                   a.ndim(), ".");
  }
  auto [out_shape, negative] = normalize_slice("slice", a.shape(), start, stop, strides);
  if (!negative && out_shape == a.shape()) {
    return a;
  }
  return array(
      out_shape, a.dtype(),
      std::make_shared<Slice>(to_stream(s), std::move(start), std::move(stop), std::move(strides)),
      {a});
}

array slice(const array& a, Shape start, Shape stop, StreamOrDevice s) {
  return slice(a, std::move(start), std::move(stop), Shape(a.ndim(), 1), s);
}

array slice(const array& a, const array& start, std::vector<int> axes, Shape slice_size,
            StreamOrDevice s) {
  check_dynamic_slice("slice", a, start, axes);
  if (slice_size.size() != a.ndim()) {
    throw op_error("slice", "Invalid slice size for array with ", a.ndim(), " dimensions.");
  }
  for (size_t i = 0; i < a.ndim(); ++i) {
    if (slice_size[i] < 0 || slice_size[i] > a.shape(i)) {
      throw op_error("slice", "Invalid slice size ", slice_size, " for array with shape ",
                     a.shape(), ".");
    }
  }
  auto out_shape = slice_size;
  return array(std::move(out_shape), a.dtype(),
               std::make_shared<DynamicSlice>(to_stream(s), std::move(axes), std::move(slice_size)),
               {a, start});
}

array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape strides,
                   StreamOrDevice s) {
  if (start.size() != src.ndim() || stop.size() != src.ndim() || strides.size() != src.ndim()) {
    throw op_error("slice_update", "Invalid number of indices or strides for array with dimension ",
                   src.ndim(), ".");
  }
  auto [upd_shape, negative] = normalize_slice("slice_update", src.shape(), start, stop, strides);
  auto upd = broadcast_update("slice_update", update, src.dtype(), upd_shape, s);
  if (!negative && upd_shape == src.shape()) {
    return upd;
  }
  return array(src.shape(), src.dtype(),
               std::make_shared<SliceUpdate>(to_stream(s), std::move(start), std::move(stop),
                                             std::move(strides)),
               {src, upd});
}

array slice_update(const array& src, const array& update, Shape start, Shape stop,
                   StreamOrDevice s) {
  return slice_update(src, update, std::move(start), std::move(stop), Shape(src.ndim(), 1), s);
}

array slice_update(const array& src, const array& update, const array& start, std::vector<int> axes,
                   StreamOrDevice s) {
  check_dynamic_slice("slice_update", src, start, axes);
  if (update.ndim() > src.ndim()) {
    throw op_error("slice_update", "The update has ", update.ndim(),
                   " dimensions, more than the array's ", src.ndim(), ".");
  }
  // As MLX: the update's missing leading axes span the whole array, except along `axes` where
  // they have size 1; each axis is at most the array's.
  size_t missing = src.ndim() - update.ndim();
  Shape upd_shape(src.shape().begin(), src.shape().begin() + missing);
  upd_shape.insert(upd_shape.end(), update.shape().begin(), update.shape().end());
  for (size_t d = missing; d < src.ndim(); ++d) {
    upd_shape[d] = std::min(upd_shape[d], src.shape(d));
  }
  for (int ax : axes) {
    if (static_cast<size_t>(ax) < missing) {
      upd_shape[ax] = 1;
    }
  }
  auto upd = broadcast_update("slice_update", update, src.dtype(), upd_shape, s);
  return array(src.shape(), src.dtype(),
               std::make_shared<DynamicSliceUpdate>(to_stream(s), std::move(axes)),
               {src, upd, start});
}

namespace {

// Validates and normalizes the axis pair of diagonal/trace.
std::pair<int, int> diagonal_axes(const char* op, const array& a, int axis1, int axis2) {
  if (a.ndim() < 2) {
    throw op_error(op, "Array must have at least two dimensions, but got ", a.ndim(),
                   " dimensions.");
  }
  int ax1 = normalize_axis(op, axis1, a.ndim());
  int ax2 = normalize_axis(op, axis2, a.ndim());
  if (ax1 == ax2) {
    throw op_error(op, "axis1 and axis2 cannot be the same axis.");
  }
  return {ax1, ax2};
}

} // namespace

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  auto [ax1, ax2] = diagonal_axes("diagonal", a, axis1, axis2);
  int64_t off1 = std::max(-static_cast<int64_t>(offset), int64_t{0});
  int64_t off2 = std::max(static_cast<int64_t>(offset), int64_t{0});
  int64_t diag_size = std::max<int64_t>(std::min(a.shape(ax1) - off1, a.shape(ax2) - off2), 0);
  Shape shape;
  for (int i = 0; i < static_cast<int>(a.ndim()); ++i) {
    if (i != ax1 && i != ax2) {
      shape.push_back(a.shape(i));
    }
  }
  shape.push_back(static_cast<ShapeElem>(diag_size));
  // An offset past the matrix reads nothing; keep it in range so the view's start is too.
  int clamped = diag_size == 0 ? 0 : offset;
  return array(std::move(shape), a.dtype(),
               std::make_shared<Diagonal>(to_stream(s), clamped, ax1, ax2), {a});
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 2) {
    return diagonal(a, k, 0, 1, s);
  }
  if (a.ndim() != 1) {
    throw op_error("diag", "Array must be 1-D or 2-D, got ", a.ndim(), " dimensions.");
  }
  int size = static_cast<int>(a.size());
  int n = size + std::abs(k);
  if (size == 0) {
    return zeros({n, n}, a.dtype(), s);
  }
  auto rows = arange(std::max(0, -k), size + std::max(0, -k), s);
  auto cols = arange(std::max(0, k), size + std::max(0, k), s);
  return scatter(zeros({n, n}, a.dtype(), s), {rows, cols}, reshape(a, {size, 1, 1}, s), {0, 1}, s);
}

array trace(const array& a, int offset, int axis1, int axis2, Dtype dtype, StreamOrDevice s) {
  diagonal_axes("trace", a, axis1, axis2);
  return sum(astype(diagonal(a, offset, axis1, axis2, s), dtype, s), -1, false, s);
}

array trace(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  return trace(a, offset, axis1, axis2, a.dtype(), s);
}

array trace(const array& a, StreamOrDevice s) {
  return trace(a, 0, 0, 1, a.dtype(), s);
}

} // namespace mlx::core
