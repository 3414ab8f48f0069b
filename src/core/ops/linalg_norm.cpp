// mlx::core::linalg norms (built from reductions, singular values for 2, -2 and "nuc") and the
// cross product.
#include <cmath>
#include <limits>
#include <numeric>

#include "mlx/linalg.h"

#include "core/ops/ops_common.h"

namespace mlx::core::linalg {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Norms are real: float for integers and complex numbers, else the input's float type.
Dtype norm_dtype(Dtype t) {
  return issubdtype(t, complexfloating) ? float32 : at_least_float(t);
}

// |a| in the norm's dtype (integers are converted first, so sums do not overflow).
array magnitude(const array& a, StreamOrDevice s) {
  return issubdtype(a.dtype(), complexfloating) ? abs(a, s)
                                                : abs(astype(a, norm_dtype(a.dtype()), s), s);
}

array l2_norm(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  array m = magnitude(a, s);
  return sqrt(sum(multiply(m, m, s), axes, keepdims, s), s);
}

array vector_norm(const array& a, double ord, int axis, bool keepdims, StreamOrDevice s) {
  Dtype dtype = norm_dtype(a.dtype());
  if (ord == 0.0) {
    return astype(sum(not_equal(a, zeros({}, a.dtype(), s), s), axis, keepdims, s), dtype, s);
  }
  if (ord == 2.0) {
    return l2_norm(a, {axis}, keepdims, s);
  }
  array m = magnitude(a, s);
  if (ord == 1.0) {
    return sum(m, axis, keepdims, s);
  }
  if (ord == kInf) {
    return max(m, axis, keepdims, s);
  }
  if (ord == -kInf) {
    return min(m, axis, keepdims, s);
  }
  return power(sum(power(m, array(ord, dtype), s), axis, keepdims, s), array(1.0 / ord, dtype), s);
}

// Singular values of the matrices spanned by (row_axis, col_axis), reduced over their last
// axis by `reduce`, with the two axes kept as size 1 when keepdims.
template <typename Reduce>
array singular_value_norm(const array& a, int row_axis, int col_axis, bool keepdims, Reduce reduce,
                          StreamOrDevice s) {
  Dtype dtype = norm_dtype(a.dtype());
  // The SVD takes float32, float64 and complex64.
  Dtype compute = a.dtype() == complex64 ? complex64 : dtype == float64 ? float64 : float32;
  array m = moveaxis(moveaxis(astype(a, compute, s), row_axis, -1, s),
                     col_axis - (col_axis > row_axis ? 1 : 0), -1, s);
  array out = reduce(linalg::svd(m, false, s)[0]);
  if (keepdims) {
    out = expand_dims(out, {std::min(row_axis, col_axis), std::max(row_axis, col_axis)}, s);
  }
  return astype(out, dtype, s);
}

array matrix_norm(const array& a, double ord, int row_axis, int col_axis, bool keepdims,
                  StreamOrDevice s) {
  // 1 / -1: max / min over columns of the column sums; inf / -inf: the same over rows.
  auto sum_then = [&](int sum_axis, int other_axis, bool use_max) {
    array sums = sum(magnitude(a, s), sum_axis, keepdims, s);
    int axis = other_axis - (!keepdims && other_axis > sum_axis ? 1 : 0);
    return use_max ? max(sums, axis, keepdims, s) : min(sums, axis, keepdims, s);
  };
  if (ord == 1.0 || ord == -1.0) {
    return sum_then(row_axis, col_axis, ord > 0);
  }
  if (ord == kInf || ord == -kInf) {
    return sum_then(col_axis, row_axis, ord > 0);
  }
  if (ord == 2.0 || ord == -2.0) {
    return singular_value_norm(
        a, row_axis, col_axis, keepdims,
        [&](const array& sv) { return ord > 0 ? max(sv, -1, false, s) : min(sv, -1, false, s); },
        s);
  }
  throw op_error("linalg::norm", "Invalid ord ", ord, " for matrix norm.");
}

std::vector<int> norm_axes(const array& a, const std::optional<std::vector<int>>& axis) {
  std::vector<int> axes = axis ? *axis : all_axes(static_cast<int>(a.ndim()));
  if (axes.empty() || axes.size() > 2) {
    throw op_error("linalg::norm", "Norms are computed over 1 or 2 axes, received ", axes.size(),
                   ".");
  }
  for (auto& ax : axes) {
    ax = normalize_axis("linalg::norm", ax, static_cast<int>(a.ndim()));
  }
  if (axes.size() == 2 && axes[0] == axes[1]) {
    throw op_error("linalg::norm", "Duplicate axes given.");
  }
  return axes;
}

} // namespace

array norm(const array& a, const std::optional<std::vector<int>>& axis, bool keepdims,
           StreamOrDevice s) {
  if (!axis) {
    // The 2-norm of all the values, whatever the rank.
    return l2_norm(a, all_axes(static_cast<int>(a.ndim())), keepdims, s);
  }
  return l2_norm(a, norm_axes(a, axis), keepdims, s);
}

array norm(const array& a, const double ord, const std::optional<std::vector<int>>& axis,
           bool keepdims, StreamOrDevice s) {
  auto axes = norm_axes(a, axis);
  if (axes.size() == 1) {
    return vector_norm(a, ord, axes[0], keepdims, s);
  }
  return matrix_norm(a, ord, axes[0], axes[1], keepdims, s);
}

array norm(const array& a, const std::string& ord, const std::optional<std::vector<int>>& axis,
           bool keepdims, StreamOrDevice s) {
  auto axes = norm_axes(a, axis);
  if (axes.size() != 2) {
    throw op_error("linalg::norm", "Norm '", ord,
                   "' only supported for matrices, but received 1 axis.");
  }
  if (ord == "f" || ord == "fro") {
    return l2_norm(a, axes, keepdims, s);
  }
  if (ord == "nuc") {
    return singular_value_norm(
        a, axes[0], axes[1], keepdims, [&](const array& sv) { return sum(sv, -1, false, s); }, s);
  }
  throw op_error("linalg::norm", "Invalid ord value '", ord, "' for matrix norm.");
}

array cross(const array& a, const array& b, int axis, StreamOrDevice s) {
  auto check = [axis](const array& x) {
    const int ndim = static_cast<int>(x.ndim());
    if (axis >= ndim || axis < -ndim) {
      throw op_error("linalg::cross", "axis ", axis, " invalid for array with ", ndim,
                     " dimensions.");
    }
    int size = x.shape(axis < 0 ? axis + ndim : axis);
    if (size != 2 && size != 3) {
      throw op_error("linalg::cross", "The specified axis must have size 2 or 3.");
    }
  };
  check(a);
  check(b);
  const bool a2 = a.shape(axis < 0 ? axis + a.ndim() : axis) == 2;
  const bool b2 = b.shape(axis < 0 ? axis + b.ndim() : axis) == 2;
  Shape a_shape = a.shape(), b_shape = b.shape();
  a_shape[axis < 0 ? axis + a.ndim() : axis] = 3;
  b_shape[axis < 0 ? axis + b.ndim() : axis] = 3;
  Shape out_shape = broadcast_shapes(a_shape, b_shape);
  const int out_axis = axis < 0 ? axis + static_cast<int>(out_shape.size()) : axis;
  Dtype out_type = promote_types(a.dtype(), b.dtype());

  // Broadcast each operand over the other's batch axes, keeping its own length on `axis`; a
  // 2-vector is a 3-vector with a zero z component.
  auto components = [&](const array& x, bool two) {
    Shape shape = out_shape;
    shape[out_axis] = two ? 2 : 3;
    return split(broadcast_to(astype(x, out_type, s), shape, s), two ? 2 : 3, out_axis, s);
  };
  auto u = components(a, a2);
  auto v = components(b, b2);
  std::vector<array> out;
  if (a2 && b2) {
    array zero = zeros_like(u[0], s);
    out = {zero, zero};
  } else if (b2) {
    out = {negative(multiply(u[2], v[1], s), s), multiply(u[2], v[0], s)};
  } else if (a2) {
    out = {multiply(u[1], v[2], s), negative(multiply(u[0], v[2], s), s)};
  } else {
    out = {subtract(multiply(u[1], v[2], s), multiply(u[2], v[1], s), s),
           subtract(multiply(u[2], v[0], s), multiply(u[0], v[2], s), s)};
  }
  out.push_back(subtract(multiply(u[0], v[1], s), multiply(u[1], v[0], s), s));
  return concatenate(out, out_axis, s);
}

} // namespace mlx::core::linalg
