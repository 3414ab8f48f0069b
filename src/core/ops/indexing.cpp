// Indexing with arrays: gather and take, take/put along an axis, scatters and masked scatter.
// What happens to out-of-range indices is documented in src/core/primitives/indexing.h.
#include "core/primitives/indexing.h"

#include <algorithm>
#include <numeric>

#include "core/ops/ops_common.h"

namespace mlx::core {

namespace {

// Gather/scatter axes: non-negative (as MLX), in range, unique, one per index array.
void check_index_axes(const char* op, const array& a, size_t n_indices,
                      const std::vector<int>& axes) {
  if (n_indices > a.ndim()) {
    throw op_error(op, "Too many index arrays. Got ", n_indices, " index arrays for input with ",
                   a.ndim(), " dimensions.");
  }
  if (n_indices != axes.size()) {
    throw op_error(op, "Number of index arrays does not match number of axes.");
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= static_cast<int>(a.ndim())) {
      throw op_error(op, "Axes don't match array dimensions.");
    }
    if (std::find(axes.begin(), axes.begin() + i, axes[i]) != axes.begin() + i) {
      throw op_error(op, "Repeat axes not allowed.");
    }
  }
}

// Broadcasts the index arrays together and casts them to their common integer type.
std::vector<array> prepare_indices(const char* op, const std::vector<array>& indices,
                                   StreamOrDevice s) {
  if (indices.empty()) {
    return {};
  }
  for (const auto& x : indices) {
    if (x.dtype() == bool_) {
      throw op_error(op, "Boolean indices not supported.");
    }
  }
  auto dtype = result_type(indices);
  if (!issubdtype(dtype, integer)) {
    throw op_error(op, "Got indices with invalid dtype ", dtype, ". Indices must be integral.");
  }
  Shape shape;
  for (const auto& x : indices) {
    try {
      shape = broadcast_shapes(shape, x.shape());
    } catch (const std::invalid_argument&) {
      throw op_error(op, "Index arrays cannot be broadcast together.");
    }
  }
  std::vector<array> out;
  for (const auto& x : indices) {
    out.push_back(broadcast_to(astype(x, dtype, s), shape, s));
  }
  return out;
}

void check_integer_indices(const char* op, const array& indices) {
  if (!issubdtype(indices.dtype(), integer)) {
    throw op_error(op, "Indices must be integral, got ", indices.dtype(), ".");
  }
}

// Broadcasts arrays of equal rank together, leaving each one's size along `axis` alone.
std::vector<array> broadcast_except_axis(const char* op, const std::vector<array>& arrays, int axis,
                                         StreamOrDevice s) {
  Shape common;
  for (const auto& x : arrays) {
    Shape shape = x.shape();
    shape.erase(shape.begin() + axis);
    try {
      common = broadcast_shapes(common, shape);
    } catch (const std::invalid_argument&) {
      throw op_error(op, "Shapes cannot be broadcast together outside axis ", axis, ".");
    }
  }
  std::vector<array> out;
  for (const auto& x : arrays) {
    Shape shape = common;
    shape.insert(shape.begin() + axis, x.shape(axis));
    out.push_back(broadcast_to(x, shape, s));
  }
  return out;
}

} // namespace

array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s) {
  check_index_axes("gather", a, indices.size(), axes);
  if (slice_sizes.size() != a.ndim()) {
    throw op_error("gather", "Got slice_sizes with size ", slice_sizes.size(), " for array with ",
                   a.ndim(), " dimensions.");
  }
  auto inputs = prepare_indices("gather", indices, s);
  for (size_t i = 0; i < a.ndim(); ++i) {
    // An empty input allows any size: nothing is read.
    if (slice_sizes[i] < 0 || (a.size() > 0 && slice_sizes[i] > a.shape(i))) {
      throw op_error("gather", "Slice sizes must be in [0, a.shape(i)]. Got ", slice_sizes,
                     " for array with shape ", a.shape(), ".");
    }
  }
  Shape out_shape;
  if (!inputs.empty()) {
    out_shape = inputs[0].shape();
  }
  if (a.size() == 0) {
    size_t idx_size = inputs.empty() ? 1 : inputs[0].size();
    size_t total_slice = std::accumulate(slice_sizes.begin(), slice_sizes.end(), size_t{1},
                                         std::multiplies<size_t>());
    if (idx_size != 0 && total_slice != 0) {
      throw op_error("gather", "If the input is empty, either the indices must be empty or the "
                               "total slice size must be 0.");
    }
  }
  out_shape.insert(out_shape.end(), slice_sizes.begin(), slice_sizes.end());
  inputs.insert(inputs.begin(), a);
  return array(std::move(out_shape), a.dtype(),
               std::make_shared<Gather>(to_stream(s), axes, slice_sizes), std::move(inputs));
}

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis("take", axis, a.ndim());
  check_integer_indices("take", indices);
  if (a.size() == 0 && indices.size() != 0) {
    throw op_error("take", "Cannot do a non-empty take from an array with zero elements.");
  }
  Shape slice_sizes = a.shape();
  slice_sizes[ax] = 1;
  auto out = gather(a, {indices}, {ax}, slice_sizes, s);
  // The gather's shape is indices.shape + a.shape (with 1 at ax): move the index axes to `ax`
  // and drop the 1.
  int idx_ndim = static_cast<int>(indices.ndim());
  if (ax != 0) {
    std::vector<int> perm(out.ndim());
    std::iota(perm.begin(), perm.begin() + ax, idx_ndim);
    std::iota(perm.begin() + ax, perm.begin() + ax + idx_ndim, 0);
    std::iota(perm.begin() + ax + idx_ndim, perm.end(), idx_ndim + ax);
    out = transpose(out, std::move(perm), s);
  }
  return squeeze(out, idx_ndim + ax, s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(flatten(a, s), indices, 0, s);
}

array take(const array& a, int index, int axis, StreamOrDevice s) {
  int ax = normalize_axis("take", axis, a.ndim());
  if (a.size() == 0) {
    throw op_error("take", "Cannot do a non-empty take from an array with zero elements.");
  }
  int64_t n = a.shape(ax);
  int64_t idx = index < 0 ? index + n : index;
  if (idx < 0 || idx >= n) {
    throw op_error("take", "Index ", index, " is out of bounds for axis ", ax, " with size ", n,
                   ".");
  }
  Shape start(a.ndim(), 0);
  Shape stop = a.shape();
  start[ax] = static_cast<ShapeElem>(idx);
  stop[ax] = static_cast<ShapeElem>(idx + 1);
  return squeeze(slice(a, std::move(start), std::move(stop), s), ax, s);
}

array take(const array& a, int index, StreamOrDevice s) {
  return take(flatten(a, s), index, 0, s);
}

array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis("take_along_axis", axis, a.ndim());
  if (indices.ndim() != a.ndim()) {
    throw op_error("take_along_axis", "Indices of dimension ", indices.ndim(),
                   " does not match array of dimension ", a.ndim(), ".");
  }
  check_integer_indices("take_along_axis", indices);
  auto inputs = broadcast_except_axis("take_along_axis", {a, indices}, ax, s);
  if (inputs[0].shape(ax) == 0 && inputs[1].size() != 0) {
    throw op_error("take_along_axis", "Cannot take from an empty axis.");
  }
  auto shape = inputs[1].shape();
  return array(std::move(shape), a.dtype(), std::make_shared<GatherAxis>(to_stream(s), ax),
               std::move(inputs));
}

namespace {

array scatter_axis(const char* op, const array& a, const array& indices, const array& values,
                   int axis, ScatterAxis::ReduceType mode, StreamOrDevice s) {
  int ax = normalize_axis(op, axis, a.ndim());
  if (indices.ndim() != a.ndim()) {
    throw op_error(op, "Indices of dimension ", indices.ndim(),
                   " does not match array of dimension ", a.ndim(), ".");
  }
  check_integer_indices(op, indices);
  if (a.size() == 0) {
    return a;
  }
  auto upd = astype(values, a.dtype(), s);
  if (upd.ndim() > indices.ndim()) {
    // Extra leading axes of the values are allowed when they have size 1.
    size_t extra = upd.ndim() - indices.ndim();
    for (size_t i = 0; i < extra; ++i) {
      if (upd.shape(i) != 1) {
        throw op_error(op, "Values of shape ", values.shape(),
                       " have more dimensions than the indices.");
      }
    }
    Shape shape(upd.shape().begin() + extra, upd.shape().end());
    upd = reshape(upd, std::move(shape), s);
  }
  Shape shape;
  try {
    shape = broadcast_shapes(indices.shape(), upd.shape());
  } catch (const std::invalid_argument&) {
    throw op_error(op, "Indices of shape ", indices.shape(), " and values of shape ",
                   values.shape(), " cannot be broadcast together.");
  }
  auto inputs = broadcast_except_axis(
      op, {a, broadcast_to(indices, shape, s), broadcast_to(upd, shape, s)}, ax, s);
  auto out_shape = inputs[0].shape();
  return array(std::move(out_shape), a.dtype(),
               std::make_shared<ScatterAxis>(to_stream(s), mode, ax), std::move(inputs));
}

array scatter_impl(const char* op, const array& a, const std::vector<array>& indices,
                   const array& updates, const std::vector<int>& axes, Scatter::ReduceType mode,
                   StreamOrDevice s) {
  check_index_axes(op, a, indices.size(), axes);
  auto inputs = prepare_indices(op, indices, s);
  Shape idx_shape;
  if (!inputs.empty()) {
    idx_shape = inputs[0].shape();
  }
  if (updates.ndim() != a.ndim() + idx_shape.size()) {
    throw op_error(op, "Updates with ", updates.ndim(),
                   " dimensions does not match the sum of the array (", a.ndim(), ") and indices (",
                   idx_shape.size(), ") dimensions.");
  }
  for (size_t i = 0; i < idx_shape.size(); ++i) {
    if (updates.shape(i) != idx_shape[i]) {
      throw op_error(op, "Update shape ", updates.shape(),
                     " is not valid for broadcasted index shape ", idx_shape, ".");
    }
  }
  for (size_t i = 0; i < a.ndim(); ++i) {
    if (updates.shape(i + idx_shape.size()) > a.shape(i)) {
      throw op_error(op, "Updates with shape ", updates.shape(),
                     " are too large for array with shape ", a.shape(), ".");
    }
  }
  inputs.insert(inputs.begin(), a);
  inputs.push_back(astype(updates, a.dtype(), s));
  return array(a.shape(), a.dtype(), std::make_shared<Scatter>(to_stream(s), mode, axes),
               std::move(inputs));
}

} // namespace

array put_along_axis(const array& a, const array& indices, const array& values, int axis,
                     StreamOrDevice s) {
  return scatter_axis("put_along_axis", a, indices, values, axis, ScatterAxis::None, s);
}

array scatter_add_axis(const array& a, const array& indices, const array& values, int axis,
                       StreamOrDevice s) {
  return scatter_axis("scatter_add_axis", a, indices, values, axis, ScatterAxis::Sum, s);
}

array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter", a, indices, updates, axes, Scatter::None, s);
}

array scatter_add(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_add", a, indices, updates, axes, Scatter::Sum, s);
}

array scatter_prod(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_prod", a, indices, updates, axes, Scatter::Prod, s);
}

array scatter_max(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_max", a, indices, updates, axes, Scatter::Max, s);
}

array scatter_min(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl("scatter_min", a, indices, updates, axes, Scatter::Min, s);
}

array masked_scatter(const array& a, const array& mask, const array& src, StreamOrDevice s) {
  if (mask.dtype() != bool_) {
    throw op_error("masked_scatter", "The mask has to be boolean.");
  }
  if (mask.ndim() > a.ndim()) {
    throw op_error("masked_scatter", "The mask cannot have more dimensions than the target.");
  }
  if (!std::equal(mask.shape().begin(), mask.shape().end(), a.shape().begin())) {
    throw op_error("masked_scatter",
                   "The boolean mask should have the same shape as the beginning of the indexed "
                   "array but the mask has shape ",
                   mask.shape(), " and the array has shape ", a.shape(), ".");
  }
  int unmasked = static_cast<int>(a.ndim() - mask.ndim());
  if (static_cast<int>(src.ndim()) > unmasked + 1) {
    throw op_error("masked_scatter", "Value array shape must be broadcastable with the last ",
                   unmasked, " dimensions of the input.");
  }
  // As MLX: each true mask position takes one row of the source, a block over the trailing
  // (unmasked) axes. A source without the row axis is repeated for every mask position.
  Shape trailing(a.shape().end() - unmasked, a.shape().end());
  auto value = astype(src, a.dtype(), s);
  Shape value_shape;
  if (static_cast<int>(value.ndim()) < unmasked + 1) {
    Shape padded(unmasked + 1 - value.ndim(), 1);
    padded.insert(padded.end(), value.shape().begin(), value.shape().end());
    value = reshape(value, std::move(padded), s);
    value_shape.push_back(static_cast<ShapeElem>(mask.size()));
  } else {
    value_shape.push_back(value.shape(0));
  }
  value_shape.insert(value_shape.end(), trailing.begin(), trailing.end());
  try {
    value = broadcast_to(value, value_shape, s);
  } catch (const std::invalid_argument&) {
    throw op_error("masked_scatter", "Value array of shape ", src.shape(),
                   " cannot be broadcast to the trailing dimensions of shape ", a.shape(), ".");
  }
  Shape mask_shape = mask.shape();
  mask_shape.insert(mask_shape.end(), unmasked, 1);
  auto full_mask = broadcast_to(reshape(mask, std::move(mask_shape), s), a.shape(), s);
  return array(a.shape(), a.dtype(), std::make_shared<MaskedScatter>(to_stream(s)),
               {a, full_mask, value});
}

} // namespace mlx::core
