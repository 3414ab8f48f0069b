// Shape manipulation: reshape, transpose, broadcast, slice, concatenate and the ops built on
// them. Views share buffers (see src/core/primitives/shape.h).
#include "core/primitives/shape.h"

#include <algorithm>
#include <numeric>

#include "core/ops/ops_common.h"
#include "core/primitives/elementwise.h"

namespace mlx::core {

namespace {

size_t shape_size(const Shape& shape) {
  size_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << shape;
  return os.str();
}

} // namespace

array astype(array a, Dtype dtype, StreamOrDevice s) {
  if (dtype == a.dtype()) {
    return a;
  }
  auto shape = a.shape();
  return array(std::move(shape), dtype, std::make_shared<AsType>(to_stream(s), dtype),
               {std::move(a)});
}

array as_strided(array a, Shape shape, Strides strides, size_t offset, StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    throw op_error("as_strided", "Shape ", shape_str(shape),
                   " and strides must have the same length.");
  }
  for (auto d : shape) {
    if (d < 0) {
      throw op_error("as_strided", "Shape dimensions must be non-negative.");
    }
  }
  // The view must stay inside the input's elements (a broadcast input counts as its size).
  if (shape_size(shape) > 0) {
    int64_t lo = static_cast<int64_t>(offset), hi = static_cast<int64_t>(offset);
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t reach = static_cast<int64_t>(shape[i] - 1) * strides[i];
      (reach < 0 ? lo : hi) += reach;
    }
    if (lo < 0 || hi >= static_cast<int64_t>(a.size())) {
      throw op_error("as_strided", "The view reaches outside the array's ", a.size(), " elements.");
    }
  }
  auto x = contiguous(a, false, s);
  auto out_shape = shape;
  return array(
      std::move(out_shape), x.dtype(),
      std::make_shared<AsStrided>(to_stream(s), std::move(shape), std::move(strides), offset), {x});
}

array copy(array a, StreamOrDevice s) {
  auto shape = a.shape();
  auto dtype = a.dtype();
  return array(std::move(shape), dtype, std::make_shared<Copy>(to_stream(s)), {std::move(a)});
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<Contiguous>(to_stream(s), allow_col_major),
               {a});
}

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  // One dimension may be -1: inferred from the others.
  int infer = -1;
  size_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw op_error("reshape", "Reshape can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw op_error("reshape", "Invalid dimension ", shape[i], " in shape ", shape_str(shape),
                     ".");
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0) {
      throw op_error("reshape", "Cannot infer the shape of an array of size ", a.size(),
                     " into shape ", shape_str(shape), ".");
    }
    shape[infer] = static_cast<ShapeElem>(a.size() / known);
    known *= shape[infer];
  }
  if (known != a.size()) {
    throw op_error("reshape", "Cannot reshape array of size ", a.size(), " into shape ",
                   shape_str(shape), ".");
  }
  if (shape == a.shape()) {
    return a;
  }
  auto out_shape = shape;
  return array(std::move(out_shape), a.dtype(),
               std::make_shared<Reshape>(to_stream(s), std::move(shape)), {a});
}

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  if (shape.empty()) {
    throw op_error("unflatten", "The shape to unflatten to cannot be empty.");
  }
  int ax = normalize_axis("unflatten", axis, a.ndim());
  size_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw op_error("unflatten", "Can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.shape(ax) % known != 0) {
      throw op_error("unflatten", "Cannot infer the dimension of axis ", axis, ".");
    }
    shape[infer] = static_cast<ShapeElem>(a.shape(ax) / known);
    known *= shape[infer];
  }
  if (known != static_cast<size_t>(a.shape(ax))) {
    throw op_error("unflatten", "Cannot unflatten axis ", axis, " of size ", a.shape(ax),
                   " into shape ", shape_str(shape), ".");
  }
  Shape out = a.shape();
  out.erase(out.begin() + ax);
  out.insert(out.begin() + ax, shape.begin(), shape.end());
  return reshape(a, std::move(out), s);
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  int ndim = static_cast<int>(a.ndim());
  if (ndim == 0) {
    return reshape(a, {1}, s);
  }
  int start = normalize_axis("flatten", start_axis, ndim);
  int end = normalize_axis("flatten", end_axis, ndim);
  if (start > end) {
    throw op_error("flatten", "start_axis must be less than or equal to end_axis.");
  }
  Shape shape(a.shape().begin(), a.shape().begin() + start);
  ShapeElem flat = 1;
  for (int i = start; i <= end; ++i) {
    flat *= a.shape(i);
  }
  shape.push_back(flat);
  shape.insert(shape.end(), a.shape().begin() + end + 1, a.shape().end());
  return reshape(a, std::move(shape), s);
}

array flatten(const array& a, StreamOrDevice s) {
  return flatten(a, 0, -1, s);
}

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto sorted = normalize_axes("squeeze", axes, a.ndim());
  Shape shape;
  for (int i = 0, j = 0; i < static_cast<int>(a.ndim()); ++i) {
    if (j < static_cast<int>(sorted.size()) && sorted[j] == i) {
      if (a.shape(i) != 1) {
        throw op_error("squeeze", "Cannot squeeze axis ", i, " with size ", a.shape(i),
                       " which is not equal to 1.");
      }
      ++j;
    } else {
      shape.push_back(a.shape(i));
    }
  }
  return reshape(a, std::move(shape), s);
}

array squeeze(const array& a, int axis, StreamOrDevice s) {
  return squeeze(a, std::vector<int>{axis}, s);
}

array squeeze(const array& a, StreamOrDevice s) {
  std::vector<int> axes;
  for (int i = 0; i < static_cast<int>(a.ndim()); ++i) {
    if (a.shape(i) == 1) {
      axes.push_back(i);
    }
  }
  return squeeze(a, axes, s);
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int out_ndim = static_cast<int>(a.ndim() + axes.size());
  auto sorted = normalize_axes("expand_dims", axes, out_ndim);
  Shape shape = a.shape();
  for (int ax : sorted) {
    shape.insert(shape.begin() + ax, 1);
  }
  return reshape(a, std::move(shape), s);
}

array expand_dims(const array& a, int axis, StreamOrDevice s) {
  return expand_dims(a, std::vector<int>{axis}, s);
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  if (axes.size() != a.ndim()) {
    throw op_error("transpose", "Received ", axes.size(), " axes for array with ", a.ndim(),
                   " dimensions.");
  }
  std::vector<bool> seen(a.ndim(), false);
  for (auto& ax : axes) {
    ax = normalize_axis("transpose", ax, a.ndim());
    if (seen[ax]) {
      throw op_error("transpose", "Repeated axis ", ax, " in transpose.");
    }
    seen[ax] = true;
  }
  Shape shape;
  for (int ax : axes) {
    shape.push_back(a.shape(ax));
  }
  return array(std::move(shape), a.dtype(),
               std::make_shared<Transpose>(to_stream(s), std::move(axes)), {a});
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, std::move(axes), s);
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  int ndim = a.ndim();
  axis1 = normalize_axis("swapaxes", axis1, ndim);
  axis2 = normalize_axis("swapaxes", axis2, ndim);
  std::vector<int> axes(ndim);
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[axis1], axes[axis2]);
  return transpose(a, std::move(axes), s);
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  int ndim = a.ndim();
  source = normalize_axis("moveaxis", source, ndim);
  destination = normalize_axis("moveaxis", destination, ndim);
  std::vector<int> axes(ndim);
  std::iota(axes.begin(), axes.end(), 0);
  axes.erase(axes.begin() + source);
  axes.insert(axes.begin() + destination, source);
  return transpose(a, std::move(axes), s);
}

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) {
    return a;
  }
  if (shape.size() < a.ndim()) {
    throw op_error("broadcast_to", "Cannot broadcast array of shape ", shape_str(a.shape()),
                   " into shape ", shape_str(shape), ".");
  }
  size_t diff = shape.size() - a.ndim();
  for (size_t i = 0; i < a.ndim(); ++i) {
    if (a.shape(i) != 1 && a.shape(i) != shape[i + diff]) {
      throw op_error("broadcast_to", "Cannot broadcast array of shape ", shape_str(a.shape()),
                     " into shape ", shape_str(shape), ".");
    }
  }
  for (auto d : shape) {
    if (d < 0) {
      throw op_error("broadcast_to", "Shape dimensions must be non-negative.");
    }
  }
  return array(shape, a.dtype(), std::make_shared<Broadcast>(to_stream(s), shape), {a});
}

std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s) {
  Shape shape;
  for (const auto& in : inputs) {
    try {
      shape = broadcast_shapes(shape, in.shape());
    } catch (const std::invalid_argument&) {
      throw op_error("broadcast_arrays", "Shapes cannot be broadcast together.");
    }
  }
  std::vector<array> out;
  for (const auto& in : inputs) {
    out.push_back(broadcast_to(in, shape, s));
  }
  return out;
}

array slice(const array& a, Shape start, Shape stop, Shape strides, StreamOrDevice s) {
  if (start.size() != a.ndim() || stop.size() != a.ndim() || strides.size() != a.ndim()) {
    throw op_error("slice", "Invalid number of indices or strides for array with dimension ",
                   a.ndim(), ".");
  }
  // Numpy's clamping of start/stop for positive and negative strides.
  Shape out_shape(a.ndim());
  bool identity = true;
  for (size_t i = 0; i < a.ndim(); ++i) {
    int n = a.shape(i);
    int step = strides[i];
    if (step == 0) {
      throw op_error("slice", "Slice strides must be non-zero.");
    }
    int st = start[i] < 0 ? start[i] + n : start[i];
    int sp = stop[i] < 0 ? stop[i] + n : stop[i];
    if (step > 0) {
      st = std::clamp(st, 0, n);
      sp = std::clamp(sp, 0, n);
      out_shape[i] = sp > st ? (sp - st + step - 1) / step : 0;
    } else {
      st = std::clamp(st, -1, n - 1);
      sp = std::clamp(sp, -1, n - 1);
      out_shape[i] = st > sp ? (st - sp - step - 1) / (-step) : 0;
    }
    start[i] = st;
    stop[i] = sp;
    identity &= (st == 0 && step == 1 && out_shape[i] == n);
  }
  if (identity) {
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

std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis("split", axis, a.ndim());
  std::vector<array> out;
  Shape start(a.ndim(), 0);
  Shape stop = a.shape();
  int prev = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    int next = i < indices.size() ? indices[i] : a.shape(ax);
    start[ax] = prev;
    stop[ax] = std::max(next, prev);
    out.push_back(slice(a, start, stop, s));
    prev = std::max(next, prev);
  }
  return out;
}

std::vector<array> split(const array& a, const Shape& indices, StreamOrDevice s) {
  return split(a, indices, 0, s);
}

std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  int ax = normalize_axis("split", axis, a.ndim());
  if (num_splits <= 0 || a.shape(ax) % num_splits != 0) {
    throw op_error("split", "Array split does not result in sub arrays with equal size.");
  }
  int size = a.shape(ax) / num_splits;
  Shape indices;
  for (int i = 1; i < num_splits; ++i) {
    indices.push_back(i * size);
  }
  return split(a, indices, ax, s);
}

std::vector<array> split(const array& a, int num_splits, StreamOrDevice s) {
  return split(a, num_splits, 0, s);
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw op_error("unstack", "Cannot unstack a 0-d array.");
  }
  int ax = normalize_axis("unstack", axis, a.ndim());
  std::vector<array> out;
  for (auto& part : split(a, a.shape(ax), ax, s)) {
    out.push_back(squeeze(part, ax, s));
  }
  return out;
}

array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    throw op_error("concatenate", "No arrays provided for concatenation.");
  }
  if (arrays[0].ndim() == 0) {
    throw op_error("concatenate", "Cannot concatenate 0-d arrays.");
  }
  int ax = normalize_axis("concatenate", axis, arrays[0].ndim());
  Shape shape = arrays[0].shape();
  shape[ax] = 0;
  Dtype dtype = result_type(arrays);
  for (const auto& arr : arrays) {
    if (arr.ndim() != shape.size()) {
      throw op_error("concatenate",
                     "All the input arrays must have the same number of dimensions.");
    }
    for (size_t i = 0; i < shape.size(); ++i) {
      if (static_cast<int>(i) != ax && arr.shape(i) != shape[i]) {
        throw op_error("concatenate",
                       "All the input array dimensions must match exactly except for "
                       "the concatenation axis.");
      }
    }
    shape[ax] += arr.shape(ax);
  }
  if (arrays.size() == 1) {
    return cast_if_needed(arrays[0], dtype, s);
  }
  for (auto& arr : arrays) {
    arr = cast_if_needed(arr, dtype, s);
  }
  return array(std::move(shape), dtype, std::make_shared<Concatenate>(to_stream(s), ax),
               std::move(arrays));
}

array concatenate(std::vector<array> arrays, StreamOrDevice s) {
  for (auto& a : arrays) {
    a = flatten(a, s);
  }
  return concatenate(std::move(arrays), 0, s);
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    throw op_error("stack", "No arrays provided for stacking.");
  }
  for (const auto& a : arrays) {
    if (a.shape() != arrays[0].shape()) {
      throw op_error("stack", "All arrays must have the same shape.");
    }
  }
  int ax = normalize_axis("stack", axis, arrays[0].ndim() + 1);
  std::vector<array> expanded;
  for (const auto& a : arrays) {
    expanded.push_back(expand_dims(a, ax, s));
  }
  return concatenate(std::move(expanded), ax, s);
}

array stack(const std::vector<array>& arrays, StreamOrDevice s) {
  return stack(arrays, 0, s);
}

array view(const array& a, const Dtype& dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) {
    return a;
  }
  Shape shape = a.shape();
  int in_size = size_of(a.dtype());
  int out_size = size_of(dtype);
  if (in_size != out_size) {
    if (a.ndim() == 0) {
      throw op_error("view", "Changing the type size of a scalar is not allowed.");
    }
    int64_t bytes = static_cast<int64_t>(shape.back()) * in_size;
    if (bytes % out_size != 0) {
      throw op_error("view", "The last dimension (", bytes,
                     " bytes) must be divisible by the size "
                     "of the new dtype (",
                     out_size, " bytes).");
    }
    shape.back() = static_cast<ShapeElem>(bytes / out_size);
  }
  return array(std::move(shape), dtype, std::make_shared<View>(to_stream(s), dtype), {a});
}

array atleast_1d(const array& a, StreamOrDevice s) {
  return a.ndim() == 0 ? reshape(a, {1}, s) : a;
}
array atleast_2d(const array& a, StreamOrDevice s) {
  switch (a.ndim()) {
  case 0:
    return reshape(a, {1, 1}, s);
  case 1:
    return reshape(a, {1, a.shape(0)}, s);
  default:
    return a;
  }
}
array atleast_3d(const array& a, StreamOrDevice s) {
  switch (a.ndim()) {
  case 0:
    return reshape(a, {1, 1, 1}, s);
  case 1:
    return reshape(a, {1, a.shape(0), 1}, s);
  case 2:
    return reshape(a, {a.shape(0), a.shape(1), 1}, s);
  default:
    return a;
  }
}
std::vector<array> atleast_1d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (const auto& x : a) {
    out.push_back(atleast_1d(x, s));
  }
  return out;
}
std::vector<array> atleast_2d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (const auto& x : a) {
    out.push_back(atleast_2d(x, s));
  }
  return out;
}
std::vector<array> atleast_3d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (const auto& x : a) {
    out.push_back(atleast_3d(x, s));
  }
  return out;
}

} // namespace mlx::core
