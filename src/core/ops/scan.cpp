// Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and diff. Dtypes as MLX: the input's,
// except int32 for cumsum of bool; logcumsumexp computes in a float type.
#include "core/primitives/scan.h"

#include "core/ops/ops_common.h"

namespace mlx::core {

namespace {

array scan(const char* name, ScanType type, const array& a, int axis, bool reverse, bool inclusive,
           StreamOrDevice s) {
  int ax = normalize_axis(name, axis, a.ndim());
  if (a.dtype() == complex64 && type != ScanType::Sum && type != ScanType::Prod) {
    throw op_error(name, "Not supported for complex64.");
  }
  Dtype in_dtype = type == ScanType::LogAddExp ? at_least_float(a.dtype()) : a.dtype();
  Dtype out_dtype = type == ScanType::Sum && a.dtype() == bool_ ? int32 : in_dtype;
  return array(a.shape(), out_dtype,
               std::make_shared<Scan>(to_stream(s), type, ax, reverse, inclusive),
               {cast_if_needed(a, in_dtype, s)});
}

} // namespace

array cumsum(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan("cumsum", ScanType::Sum, a, axis, reverse, inclusive, s);
}
array cumsum(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cumsum(flatten(a, s), 0, reverse, inclusive, s);
}

array cumprod(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan("cumprod", ScanType::Prod, a, axis, reverse, inclusive, s);
}
array cumprod(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cumprod(flatten(a, s), 0, reverse, inclusive, s);
}

array cummax(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan("cummax", ScanType::Max, a, axis, reverse, inclusive, s);
}
array cummax(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cummax(flatten(a, s), 0, reverse, inclusive, s);
}

array cummin(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan("cummin", ScanType::Min, a, axis, reverse, inclusive, s);
}
array cummin(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cummin(flatten(a, s), 0, reverse, inclusive, s);
}

array logcumsumexp(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan("logcumsumexp", ScanType::LogAddExp, a, axis, reverse, inclusive, s);
}
array logcumsumexp(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return logcumsumexp(flatten(a, s), 0, reverse, inclusive, s);
}

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw op_error("diff", "Requires an array with at least one dimension.");
  }
  if (n < 0) {
    throw op_error("diff", "Order must be non-negative, got ", n, ".");
  }
  int ax = normalize_axis("diff", axis, a.ndim());
  auto out = a;
  for (int i = 0; i < n && out.shape(ax) > 0; ++i) {
    Shape start(out.ndim(), 0);
    Shape stop = out.shape();
    start[ax] = 1;
    auto upper = slice(out, start, stop, s);
    start[ax] = 0;
    stop[ax] -= 1;
    auto lower = slice(out, start, stop, s);
    // As numpy: booleans differ or not.
    out = out.dtype() == bool_ ? not_equal(upper, lower, s) : subtract(upper, lower, s);
  }
  return out;
}

} // namespace mlx::core
