#include "core/ops/ops_common.h"

#include <algorithm>
#include <numeric>

namespace mlx::core {

int normalize_axis(const char* op, int axis, int ndim) {
  if (axis < -ndim || axis >= ndim) {
    throw op_error(op, "Axis ", axis, " is out of bounds for array with ", ndim, " dimensions.");
  }
  return axis < 0 ? axis + ndim : axis;
}

std::vector<int> normalize_axes(const char* op, const std::vector<int>& axes, int ndim) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (int ax : axes) {
    out.push_back(normalize_axis(op, ax, ndim));
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw op_error(op, "Received duplicate axes.");
  }
  return out;
}

std::vector<int> all_axes(int ndim) {
  std::vector<int> axes(ndim);
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

array cast_if_needed(const array& a, Dtype dtype, StreamOrDevice s) {
  return a.dtype() == dtype ? a : astype(a, dtype, s);
}

std::pair<array, array> broadcast_pair(const array& a, const array& b, const char* op,
                                       StreamOrDevice s) {
  if (a.shape() == b.shape()) {
    return {a, b};
  }
  Shape shape;
  try {
    shape = broadcast_shapes(a.shape(), b.shape());
  } catch (const std::invalid_argument&) {
    std::ostringstream sa, sb;
    sa << a.shape();
    sb << b.shape();
    throw op_error(op, "Shapes ", sa.str(), " and ", sb.str(), " cannot be broadcast.");
  }
  return {broadcast_to(a, shape, s), broadcast_to(b, shape, s)};
}

} // namespace mlx::core
