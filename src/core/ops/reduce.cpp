// Reductions: all, any, sum, prod, max, min, mean, var, std, argmin/argmax, count_nonzero,
// logsumexp and softmax, with MLX's dtype rules: sum and prod count bool and integers of up to
// 32 bits in int32/uint32; mean, var, std, logsumexp and softmax compute in a float type.
#include "core/primitives/reduce.h"

#include <algorithm>

#include "core/ops/ops_common.h"
#include "core/primitives/softmax.h"

namespace mlx::core {

namespace {

// The keepdims shape of a reduction over (normalized, sorted) axes, and whether it reduces
// only axes of size 1.
std::pair<Shape, bool> kept_shape(const array& a, const std::vector<int>& sorted) {
  Shape shape = a.shape();
  bool noop = true;
  for (int ax : sorted) {
    noop &= shape[ax] == 1;
    shape[ax] = 1;
  }
  return {shape, noop};
}

// The shape left when the (normalized) axes are dropped.
Shape squeezed_shape(const array& a, const std::vector<int>& sorted) {
  Shape shape;
  for (int i = 0; i < static_cast<int>(a.ndim()); ++i) {
    if (!std::binary_search(sorted.begin(), sorted.end(), i)) {
      shape.push_back(a.shape(i));
    }
  }
  return shape;
}

// A Reduce node over `axes` (normalized inside), squeezed unless keepdims.
array reduce(const char* name, ReduceType type, const array& a, const std::vector<int>& axes,
             bool keepdims, Dtype out_dtype, StreamOrDevice s) {
  auto sorted = normalize_axes(name, axes, a.ndim());
  auto [shape, noop] = kept_shape(a, sorted);
  auto out =
      noop ? cast_if_needed(a, out_dtype, s)
           : array(shape, out_dtype, std::make_shared<Reduce>(to_stream(s), type, sorted), {a});
  return keepdims ? out : squeeze(out, sorted, s);
}

Dtype sum_dtype(Dtype t) {
  if (t == bool_ || t == int8 || t == int16 || t == int32) {
    return int32;
  }
  if (t == uint8 || t == uint16 || t == uint32) {
    return uint32;
  }
  return t;
}

bool is_half(Dtype t) {
  return t == float16 || t == bfloat16;
}

// The number of elements reduced over `axes` (normalized inside).
double reduced_count(const char* name, const array& a, const std::vector<int>& axes) {
  double n = 1;
  for (int ax : normalize_axes(name, axes, a.ndim())) {
    n *= a.shape(ax);
  }
  return n;
}

// The sum in float32 of a half-precision array (the kernel accumulates in float anyway), so
// that means and variances neither overflow nor round at every step.
array float_sum(const char* name, const array& a, const std::vector<int>& axes, bool keepdims,
                StreamOrDevice s) {
  return reduce(name, ReduceType::Sum, a, axes, keepdims, float32, s);
}

// Moves `axes` (normalized, sorted) last and flattens them into one, for the fused kernels
// that work along the last axis. Returns the array and the permutation applied.
std::pair<array, std::vector<int>> reduced_axes_last(const array& a, const std::vector<int>& axes,
                                                     StreamOrDevice s) {
  std::vector<int> perm;
  for (int i = 0; i < static_cast<int>(a.ndim()); ++i) {
    if (!std::binary_search(axes.begin(), axes.end(), i)) {
      perm.push_back(i);
    }
  }
  perm.insert(perm.end(), axes.begin(), axes.end());
  bool identity = std::is_sorted(perm.begin(), perm.end());
  auto moved = identity ? a : transpose(a, perm, s);
  if (axes.size() == 1) {
    return {moved, perm};
  }
  int kept = static_cast<int>(a.ndim() - axes.size());
  Shape shape(moved.shape().begin(), moved.shape().begin() + kept);
  int64_t n = 1;
  for (size_t i = kept; i < moved.ndim(); ++i) {
    n *= moved.shape(i);
  }
  shape.push_back(static_cast<int>(n));
  // Merging axes needs them contiguous; contiguous() is free when they already are.
  return {reshape(contiguous(moved, false, s), shape, s), perm};
}

} // namespace

array all(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce("all", ReduceType::And, a, axes, keepdims, bool_, s);
}
array all(const array& a, bool keepdims, StreamOrDevice s) {
  return all(a, all_axes(a.ndim()), keepdims, s);
}
array all(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return all(a, std::vector<int>{axis}, keepdims, s);
}

array any(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce("any", ReduceType::Or, a, axes, keepdims, bool_, s);
}
array any(const array& a, bool keepdims, StreamOrDevice s) {
  return any(a, all_axes(a.ndim()), keepdims, s);
}
array any(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return any(a, std::vector<int>{axis}, keepdims, s);
}

array sum(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  if (axes.empty()) {
    return a; // as MLX: no axes, no reduction and no promotion
  }
  return reduce("sum", ReduceType::Sum, a, axes, keepdims, sum_dtype(a.dtype()), s);
}
array sum(const array& a, bool keepdims, StreamOrDevice s) {
  return sum(a, all_axes(a.ndim()), keepdims, s);
}
array sum(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return sum(a, std::vector<int>{axis}, keepdims, s);
}

array prod(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  if (axes.empty()) {
    return a;
  }
  return reduce("prod", ReduceType::Prod, a, axes, keepdims, sum_dtype(a.dtype()), s);
}
array prod(const array& a, bool keepdims, StreamOrDevice s) {
  return prod(a, all_axes(a.ndim()), keepdims, s);
}
array prod(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return prod(a, std::vector<int>{axis}, keepdims, s);
}

namespace {
array extremum(const char* name, ReduceType type, const array& a, const std::vector<int>& axes,
               bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) {
    throw op_error(name, "Cannot ", name, " reduce zero size array.");
  }
  if (a.dtype() == complex64) {
    throw op_error(name, "Not supported for complex64.");
  }
  if (axes.empty()) {
    return a;
  }
  return reduce(name, type, a, axes, keepdims, a.dtype(), s);
}
} // namespace

array max(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return extremum("max", ReduceType::Max, a, axes, keepdims, s);
}
array max(const array& a, bool keepdims, StreamOrDevice s) {
  return max(a, all_axes(a.ndim()), keepdims, s);
}
array max(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return max(a, std::vector<int>{axis}, keepdims, s);
}

array min(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return extremum("min", ReduceType::Min, a, axes, keepdims, s);
}
array min(const array& a, bool keepdims, StreamOrDevice s) {
  return min(a, all_axes(a.ndim()), keepdims, s);
}
array min(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return min(a, std::vector<int>{axis}, keepdims, s);
}

array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  double n = reduced_count("mean", a, axes);
  if (is_half(dtype) && !axes.empty()) {
    auto total = float_sum("mean", a, axes, keepdims, s);
    return astype(multiply(total, array(1.0 / n, float32), s), dtype, s);
  }
  // Integers are summed exactly (in int32/int64) and scaled in float, as MLX.
  return multiply(sum(a, axes, keepdims, s), array(1.0 / n, dtype), s);
}
array mean(const array& a, bool keepdims, StreamOrDevice s) {
  return mean(a, all_axes(a.ndim()), keepdims, s);
}
array mean(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return mean(a, std::vector<int>{axis}, keepdims, s);
}

array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  // Two passes (mean, then mean squared deviation): stable where E[x^2] - E[x]^2 is not.
  // Half types compute in float32 and round once at the end.
  auto dtype = at_least_float(a.dtype());
  auto compute = is_half(dtype) ? float32 : dtype;
  double n = reduced_count("var", a, axes);
  auto mu = is_half(dtype)
                ? multiply(float_sum("var", a, axes, true, s), array(1.0 / n, compute), s)
                : mean(a, axes, true, s);
  auto dev = subtract(a, mu, s);
  auto sq = compute == complex64 ? real(multiply(dev, conjugate(dev, s), s), s) : square(dev, s);
  auto total = sum(sq, axes, keepdims, s);
  // As MLX: divide by max(n - ddof, 0), so too large a ddof gives inf (or NaN for 0 / 0).
  double denom = std::max(n - ddof, 0.0);
  auto v = ddof == 0 ? multiply(total, array(1.0 / n, total.dtype()), s)
                     : divide(total, array(denom, total.dtype()), s);
  return is_half(dtype) ? astype(v, dtype, s) : v;
}
array var(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return var(a, all_axes(a.ndim()), keepdims, ddof, s);
}
array var(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return var(a, std::vector<int>{axis}, keepdims, ddof, s);
}

array std(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}
array std(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return std(a, all_axes(a.ndim()), keepdims, ddof, s);
}
array std(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return std(a, std::vector<int>{axis}, keepdims, ddof, s);
}

namespace {
array arg_reduce(const char* name, ArgReduceType type, const array& a, int axis, bool keepdims,
                 StreamOrDevice s) {
  if (a.size() == 0) {
    throw op_error(name, "Cannot ", name, " reduce zero size array.");
  }
  if (a.dtype() == complex64) {
    throw op_error(name, "Not supported for complex64.");
  }
  int ax = normalize_axis(name, axis, a.ndim());
  Shape shape = a.shape();
  shape[ax] = 1;
  auto out = a.shape(ax) == 1
                 ? zeros(shape, uint32, s)
                 : array(shape, uint32, std::make_shared<ArgReduce>(to_stream(s), type, ax), {a});
  return keepdims ? out : squeeze(out, ax, s);
}
} // namespace

array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce("argmin", ArgReduceType::ArgMin, a, axis, keepdims, s);
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmin(flatten(a, s), 0, true, s);
  return reshape(out, keepdims ? Shape(a.ndim(), 1) : Shape{}, s);
}
array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce("argmax", ArgReduceType::ArgMax, a, axis, keepdims, s);
}
array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmax(flatten(a, s), 0, true, s);
  return reshape(out, keepdims ? Shape(a.ndim(), 1) : Shape{}, s);
}

array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto nonzero = astype(a, bool_, s);
  // sum() returns its input untouched for no axes; the count must still be int32.
  return axes.empty() ? astype(nonzero, int32, s) : sum(nonzero, axes, keepdims, s);
}
array count_nonzero(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return count_nonzero(a, std::vector<int>{axis}, keepdims, s);
}
array count_nonzero(const array& a, bool keepdims, StreamOrDevice s) {
  return count_nonzero(a, all_axes(a.ndim()), keepdims, s);
}

array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) {
    throw op_error("logsumexp", "Received empty array.");
  }
  if (a.dtype() == complex64) {
    throw op_error("logsumexp", "Not supported for complex64.");
  }
  auto sorted = normalize_axes("logsumexp", axes, a.ndim());
  auto dtype = at_least_float(a.dtype());
  auto x = cast_if_needed(a, dtype, s);
  if (sorted.empty()) {
    return x; // the log of a single exponential
  }
  auto [rows, perm] = reduced_axes_last(x, sorted, s);
  Shape out_rows = rows.shape();
  out_rows.back() = 1;
  auto out = array(out_rows, dtype, std::make_shared<LogSumExp>(to_stream(s)), {rows});
  return reshape(out, keepdims ? kept_shape(a, sorted).first : squeezed_shape(a, sorted), s);
}
array logsumexp(const array& a, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, all_axes(a.ndim()), keepdims, s);
}
array logsumexp(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, std::vector<int>{axis}, keepdims, s);
}

array softmax(const array& a, const std::vector<int>& axes, bool precise, StreamOrDevice s) {
  if (a.dtype() == complex64) {
    throw op_error("softmax", "Not supported for complex64.");
  }
  auto sorted = normalize_axes("softmax", axes, a.ndim());
  auto dtype = at_least_float(a.dtype());
  auto x = cast_if_needed(a, dtype, s);
  if (a.size() == 0) {
    return x;
  }
  if (sorted.empty()) {
    return ones_like(x, s); // each element is its own normalizer
  }
  auto [rows, perm] = reduced_axes_last(x, sorted, s);
  auto out = array(rows.shape(), dtype, std::make_shared<Softmax>(to_stream(s), precise), {rows});
  // Undo the flattening, then the permutation.
  Shape moved_shape;
  for (int p : perm) {
    moved_shape.push_back(a.shape(p));
  }
  out = reshape(out, moved_shape, s);
  if (std::is_sorted(perm.begin(), perm.end())) {
    return out;
  }
  std::vector<int> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    inverse[perm[i]] = static_cast<int>(i);
  }
  return transpose(out, inverse, s);
}
array softmax(const array& a, bool precise, StreamOrDevice s) {
  return softmax(a, all_axes(a.ndim()), precise, s);
}

} // namespace mlx::core
