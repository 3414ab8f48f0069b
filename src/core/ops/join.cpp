// Ops that cut arrays apart or put them together: concatenate, stack, split, unstack, tile,
// repeat, pad, roll, flip and kron. Most are compositions of slices (views), broadcasts and one
// concatenation or pad copy.
#include <algorithm>
#include <numeric>

#include "core/ops/ops_common.h"
#include "core/primitives/shape.h"

namespace mlx::core {

array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    throw op_error("concatenate", "No arrays provided for concatenation.");
  }
  if (arrays.size() == 1) {
    return arrays[0];
  }
  if (arrays[0].ndim() == 0) {
    throw op_error("concatenate", "Cannot concatenate 0-d arrays.");
  }
  int ax = normalize_axis("concatenate", axis, arrays[0].ndim());
  Shape shape = arrays[0].shape();
  shape[ax] = 0;
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
  Dtype dtype = result_type(arrays);
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

std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis("split", axis, a.ndim());
  // Like numpy: part i is a[indices[i-1]:indices[i]] with slice semantics (negative indices
  // count from the end; a decreasing pair gives an empty part).
  std::vector<array> out;
  Shape start(a.ndim(), 0);
  Shape stop = a.shape();
  for (size_t i = 0; i <= indices.size(); ++i) {
    stop[ax] = i < indices.size() ? indices[i] : a.shape(ax);
    out.push_back(slice(a, start, stop, s));
    start[ax] = stop[ax];
  }
  return out;
}

std::vector<array> split(const array& a, const Shape& indices, StreamOrDevice s) {
  return split(a, indices, 0, s);
}

std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  int ax = normalize_axis("split", axis, a.ndim());
  if (num_splits <= 0) {
    throw op_error("split", "The number of splits must be positive, got ", num_splits, ".");
  }
  if (a.shape(ax) % num_splits != 0) {
    throw op_error("split",
                   "Array split does not result in sub arrays with equal size: ", num_splits,
                   " splits of axis ", ax, " with size ", a.shape(ax), ".");
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
  Shape start(a.ndim(), 0);
  Shape stop = a.shape();
  for (int i = 0; i < a.shape(ax); ++i) {
    start[ax] = i;
    stop[ax] = i + 1;
    out.push_back(squeeze(slice(a, start, stop, s), ax, s));
  }
  return out;
}

array repeat(const array& arr, int repeats, int axis, StreamOrDevice s) {
  int ax = normalize_axis("repeat", axis, arr.ndim());
  if (repeats < 0) {
    throw op_error("repeat", "Number of repeats cannot be negative.");
  }
  if (repeats == 1) {
    return arr;
  }
  // Each element followed by its copies: broadcast a new axis after `ax`, then merge the two.
  Shape shape = arr.shape();
  shape.insert(shape.begin() + ax + 1, repeats);
  auto out = broadcast_to(expand_dims(arr, ax + 1, s), shape, s);
  shape.erase(shape.begin() + ax + 1);
  shape[ax] *= repeats;
  return reshape(out, std::move(shape), s);
}

array repeat(const array& arr, int repeats, StreamOrDevice s) {
  return repeat(flatten(arr, s), repeats, 0, s);
}

array tile(const array& arr, std::vector<int> reps, StreamOrDevice s) {
  for (int r : reps) {
    if (r < 0) {
      throw op_error("tile", "Repetitions must be non-negative, got ", r, ".");
    }
  }
  Shape shape = arr.shape();
  if (reps.size() < shape.size()) {
    reps.insert(reps.begin(), shape.size() - reps.size(), 1);
  }
  if (reps.size() > shape.size()) {
    shape.insert(shape.begin(), reps.size() - shape.size(), 1);
  }
  // A new axis of size reps[i] before each repeated axis, broadcast, then merged with it.
  Shape expand_shape;
  Shape broadcast_shape;
  Shape final_shape;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (reps[i] != 1) {
      expand_shape.push_back(1);
      broadcast_shape.push_back(reps[i]);
    }
    expand_shape.push_back(shape[i]);
    broadcast_shape.push_back(shape[i]);
    final_shape.push_back(reps[i] * shape[i]);
  }
  auto x = reshape(arr, std::move(expand_shape), s);
  x = broadcast_to(x, broadcast_shape, s);
  return reshape(x, std::move(final_shape), s);
}

namespace {

// Edge padding: each padded axis in turn gets its first and last slices broadcast on its ends.
array edge_pad(array a, const std::vector<int>& axes, const Shape& low, const Shape& high,
               StreamOrDevice s) {
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = axes[i];
    if (low[i] == 0 && high[i] == 0) {
      continue;
    }
    int n = a.shape(ax);
    std::vector<array> parts;
    Shape start(a.ndim(), 0);
    Shape stop = a.shape();
    if (low[i] > 0) {
      stop[ax] = 1;
      Shape shape = a.shape();
      shape[ax] = low[i];
      parts.push_back(broadcast_to(slice(a, start, stop, s), shape, s));
    }
    parts.push_back(a);
    if (high[i] > 0) {
      start[ax] = n - 1;
      stop[ax] = n;
      Shape shape = a.shape();
      shape[ax] = high[i];
      parts.push_back(broadcast_to(slice(a, start, stop, s), shape, s));
    }
    a = concatenate(std::move(parts), ax, s);
  }
  return a;
}

} // namespace

array pad(const array& a, const std::vector<int>& axes, const Shape& low_pad_size,
          const Shape& high_pad_size, const array& pad_value, const std::string& mode,
          StreamOrDevice s) {
  if (axes.size() != low_pad_size.size() || axes.size() != high_pad_size.size()) {
    throw op_error("pad", "Invalid number of padding sizes passed to pad with axes of size ",
                   axes.size(), ".");
  }
  if (mode != "constant" && mode != "edge") {
    throw op_error("pad", "Invalid padding mode (", mode, "); use \"constant\" or \"edge\".");
  }
  std::vector<int> norm_axes;
  Shape out_shape = a.shape();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (low_pad_size[i] < 0 || high_pad_size[i] < 0) {
      throw op_error("pad", "Invalid padding (", low_pad_size[i], ", ", high_pad_size[i],
                     ") for axis ", axes[i], ". Padding sizes must be non-negative.");
    }
    int ax = normalize_axis("pad", axes[i], a.ndim());
    if (std::find(norm_axes.begin(), norm_axes.end(), ax) != norm_axes.end()) {
      throw op_error("pad", "Received duplicate axes.");
    }
    norm_axes.push_back(ax);
    out_shape[ax] += low_pad_size[i] + high_pad_size[i];
  }
  if (mode == "edge") {
    for (size_t i = 0; i < norm_axes.size(); ++i) {
      if (a.shape(norm_axes[i]) == 0 && low_pad_size[i] + high_pad_size[i] > 0) {
        throw op_error("pad", "Cannot edge-pad axis ", axes[i], " of size 0.");
      }
    }
    return edge_pad(a, norm_axes, low_pad_size, high_pad_size, s);
  }
  if (pad_value.size() != 1) {
    throw op_error("pad", "The padding value must be a scalar, got shape ", pad_value.shape(), ".");
  }
  auto value = astype(reshape(pad_value, {}, s), a.dtype(), s);
  return array(
      std::move(out_shape), a.dtype(),
      std::make_shared<Pad>(to_stream(s), std::move(norm_axes), low_pad_size, high_pad_size),
      {a, value});
}

array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  Shape lows;
  Shape highs;
  for (const auto& [lo, hi] : pad_width) {
    lows.push_back(lo);
    highs.push_back(hi);
  }
  return pad(a, axes, lows, highs, pad_value, mode, s);
}

array pad(const array& a, const std::pair<int, int>& pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>(a.ndim(), pad_width), pad_value, mode, s);
}

array pad(const array& a, int pad_width, const array& pad_value, const std::string& mode,
          StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>(a.ndim(), {pad_width, pad_width}), pad_value, mode,
             s);
}

array roll(const array& a, const Shape& shift, const std::vector<int>& axes, StreamOrDevice s) {
  if (axes.empty()) {
    return a;
  }
  if (shift.size() < axes.size()) {
    throw op_error("roll", "At least one shift value per axis is required, ", shift.size(),
                   " provided for ", axes.size(), " axes.");
  }
  array result = a;
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis("roll", axes[i], a.ndim());
    int64_t size = a.shape(ax);
    if (size == 0) {
      continue;
    }
    // The element at position p moves to (p + shift) mod size: the tail of length
    // shift mod size comes first.
    int64_t split_at = size - (((static_cast<int64_t>(shift[i]) % size) + size) % size);
    auto parts = split(result, Shape{static_cast<ShapeElem>(split_at)}, ax, s);
    result = concatenate({parts[1], parts[0]}, ax, s);
  }
  return result;
}

array roll(const array& a, int shift, StreamOrDevice s) {
  return reshape(roll(flatten(a, s), Shape{shift}, std::vector<int>{0}, s), a.shape(), s);
}

array roll(const array& a, const Shape& shift, StreamOrDevice s) {
  // As MLX: without axes, the shifts add up and the flattened array rolls once.
  int64_t total = std::accumulate(shift.begin(), shift.end(), int64_t{0});
  int64_t size = std::max<int64_t>(static_cast<int64_t>(a.size()), 1);
  return roll(a, static_cast<int>(total % size), s);
}

array roll(const array& a, int shift, int axis, StreamOrDevice s) {
  return roll(a, Shape{shift}, std::vector<int>{axis}, s);
}

array roll(const array& a, int shift, const std::vector<int>& axes, StreamOrDevice s) {
  return roll(a, Shape(axes.size(), shift), axes, s);
}

array roll(const array& a, const Shape& shift, int axis, StreamOrDevice s) {
  int ax = normalize_axis("roll", axis, a.ndim());
  int64_t total = std::accumulate(shift.begin(), shift.end(), int64_t{0});
  int64_t size = std::max<int64_t>(a.shape(ax), 1);
  return roll(a, Shape{static_cast<ShapeElem>(total % size)}, std::vector<int>{ax}, s);
}

array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto sorted = normalize_axes("flip", axes, a.ndim());
  Shape start(a.ndim(), 0);
  Shape stop = a.shape();
  Shape strides(a.ndim(), 1);
  for (int ax : sorted) {
    start[ax] = a.shape(ax) - 1;
    stop[ax] = -a.shape(ax) - 1; // one before the first element, after normalization
    strides[ax] = -1;
  }
  return slice(a, std::move(start), std::move(stop), std::move(strides), s);
}

array flip(const array& a, StreamOrDevice s) {
  return flip(a, all_axes(a.ndim()), s);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  if (a.size() == 0 || b.size() == 0) {
    throw op_error("kron", "Input arrays cannot be empty.");
  }
  // Interleave the axes: a's go to even positions, b's to odd ones, then multiply (broadcast)
  // and merge each pair.
  int ndim = static_cast<int>(std::max(a.ndim(), b.ndim()));
  Shape a_shape(2 * ndim, 1);
  Shape b_shape(2 * ndim, 1);
  Shape out_shape(ndim, 1);
  for (int i = ndim - 1, j = static_cast<int>(a.ndim()) - 1; j >= 0; --j, --i) {
    a_shape[2 * i] = a.shape(j);
    out_shape[i] *= a.shape(j);
  }
  for (int i = ndim - 1, j = static_cast<int>(b.ndim()) - 1; j >= 0; --j, --i) {
    b_shape[2 * i + 1] = b.shape(j);
    out_shape[i] *= b.shape(j);
  }
  return reshape(multiply(reshape(a, std::move(a_shape), s), reshape(b, std::move(b_shape), s), s),
                 std::move(out_shape), s);
}

} // namespace mlx::core
