// Shape manipulation without moving data where possible: reshape and its relatives, transpose,
// broadcast, dtype views. Views share buffers (see src/core/primitives/shape.h).
#include "core/primitives/shape.h"

#include <algorithm>
#include <limits>
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
    throw op_error("as_strided", "Shape ", shape, " and strides must have the same length.");
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

namespace {

// Resolves one -1 entry of `shape` so that it holds `size` elements; `op` names the errors.
void infer_dimension(const char* op, Shape& shape, size_t size, const std::string& what) {
  int infer = -1;
  size_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw op_error(op, "Can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw op_error(op, "Invalid dimension ", shape[i], " in shape ", shape, ".");
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || size % known != 0 ||
        size / known > static_cast<size_t>(std::numeric_limits<ShapeElem>::max())) {
      throw op_error(op, "Cannot infer the shape of ", what, " of size ", size, " into shape ",
                     shape, ".");
    }
    shape[infer] = static_cast<ShapeElem>(size / known);
    known *= shape[infer];
  }
  if (known != size) {
    throw op_error(op, "Cannot reshape ", what, " of size ", size, " into shape ", shape, ".");
  }
}

} // namespace

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  infer_dimension("reshape", shape, a.size(), "array");
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
  infer_dimension("unflatten", shape, a.shape(ax), "axis");
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
  // As MLX: out-of-range ends are clamped to the array's axes, as long as the range meets them.
  int start = std::max(start_axis < 0 ? start_axis + ndim : start_axis, 0);
  int end = std::min(end_axis < 0 ? end_axis + ndim : end_axis, ndim - 1);
  if (end < start) {
    throw op_error("flatten", "start_axis must be less than or equal to end_axis.");
  }
  if (start >= ndim) {
    throw op_error("flatten", "Invalid start_axis ", start_axis, " for array with ", ndim,
                   " dimensions.");
  }
  if (end < 0) {
    throw op_error("flatten", "Invalid end_axis ", end_axis, " for array with ", ndim,
                   " dimensions.");
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
    throw op_error("broadcast_to", "Cannot broadcast array of shape ", a.shape(), " into shape ",
                   shape, ".");
  }
  size_t diff = shape.size() - a.ndim();
  for (size_t i = 0; i < a.ndim(); ++i) {
    if (a.shape(i) != 1 && a.shape(i) != shape[i + diff]) {
      throw op_error("broadcast_to", "Cannot broadcast array of shape ", a.shape(), " into shape ",
                     shape, ".");
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

array number_of_elements(const array& a, std::vector<int> axes, bool inverted, Dtype dtype,
                         StreamOrDevice s) {
  double numel = 1;
  for (int ax : axes) {
    numel *= a.shape(normalize_axis("number_of_elements", ax, a.ndim()));
  }
  // Shapes are static here, so the count is a constant.
  return array(inverted ? 1.0 / numel : numel, dtype);
}

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies) {
  if (inputs.empty()) {
    return {};
  }
  std::vector<array> all_inputs = inputs;
  all_inputs.insert(all_inputs.end(), dependencies.begin(), dependencies.end());
  Stream stream =
      inputs[0].has_primitive() ? inputs[0].primitive().stream() : to_stream(StreamOrDevice{});
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (const auto& in : inputs) {
    shapes.push_back(in.shape());
    dtypes.push_back(in.dtype());
  }
  return array::make_arrays(std::move(shapes), dtypes, std::make_shared<Depends>(stream),
                            all_inputs);
}

} // namespace mlx::core
