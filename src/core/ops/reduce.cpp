// Reductions: all, any, sum, prod, max, min, mean, var, std, argmin/argmax, logsumexp,
// softmax and count_nonzero.
#include "core/primitives/reduce.h"

#include <limits>

#include "core/ops/ops_common.h"

namespace mlx::core {

namespace {

// Builds a Reduce over normalized axes with keepdims, then drops the axes unless keepdims.
array reduce(const char* name, ReduceType type, const array& a, const std::vector<int>& axes,
             bool keepdims, Dtype out_dtype, StreamOrDevice s) {
  auto sorted = normalize_axes(name, axes, a.ndim());
  if (sorted.empty()) {
    return cast_if_needed(a, out_dtype, s);
  }
  Shape kept = a.shape();
  Shape squeezed;
  for (int i = 0, j = 0; i < static_cast<int>(a.ndim()); ++i) {
    if (j < static_cast<int>(sorted.size()) && sorted[j] == i) {
      kept[i] = 1;
      ++j;
    } else {
      squeezed.push_back(a.shape(i));
    }
  }
  auto out = array(kept, out_dtype, std::make_shared<Reduce>(to_stream(s), type, sorted), {a});
  return keepdims ? out : reshape(out, squeezed, s);
}

Dtype sum_dtype(Dtype t) {
  return t == bool_ ? int32 : t;
}

// Number of elements reduced over `axes` (normalized inside).
double reduced_count(const array& a, const std::vector<int>& axes) {
  double n = 1;
  for (int ax : normalize_axes("reduce", axes, a.ndim())) {
    n *= a.shape(ax);
  }
  return n;
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
  return reduce("sum", ReduceType::Sum, a, axes, keepdims, sum_dtype(a.dtype()), s);
}
array sum(const array& a, bool keepdims, StreamOrDevice s) {
  return sum(a, all_axes(a.ndim()), keepdims, s);
}
array sum(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return sum(a, std::vector<int>{axis}, keepdims, s);
}

array prod(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce("prod", ReduceType::Prod, a, axes, keepdims, sum_dtype(a.dtype()), s);
}
array prod(const array& a, bool keepdims, StreamOrDevice s) {
  return prod(a, all_axes(a.ndim()), keepdims, s);
}
array prod(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return prod(a, std::vector<int>{axis}, keepdims, s);
}

array max(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) {
    throw op_error("max", "Cannot max reduce zero size array.");
  }
  if (a.dtype() == complex64) {
    throw op_error("max", "Not supported for complex64.");
  }
  return reduce("max", ReduceType::Max, a, axes, keepdims, a.dtype(), s);
}
array max(const array& a, bool keepdims, StreamOrDevice s) {
  return max(a, all_axes(a.ndim()), keepdims, s);
}
array max(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return max(a, std::vector<int>{axis}, keepdims, s);
}

array min(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) {
    throw op_error("min", "Cannot min reduce zero size array.");
  }
  if (a.dtype() == complex64) {
    throw op_error("min", "Not supported for complex64.");
  }
  return reduce("min", ReduceType::Min, a, axes, keepdims, a.dtype(), s);
}
array min(const array& a, bool keepdims, StreamOrDevice s) {
  return min(a, all_axes(a.ndim()), keepdims, s);
}
array min(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return min(a, std::vector<int>{axis}, keepdims, s);
}

array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  double n = reduced_count(a, axes);
  auto total = sum(cast_if_needed(a, dtype, s), axes, keepdims, s);
  return multiply(total, array(1.0 / n, dtype), s);
}
array mean(const array& a, bool keepdims, StreamOrDevice s) {
  return mean(a, all_axes(a.ndim()), keepdims, s);
}
array mean(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return mean(a, std::vector<int>{axis}, keepdims, s);
}

array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  // Two passes (mean, then mean squared deviation): stable where E[x^2] - E[x]^2 is not.
  auto dtype = at_least_float(a.dtype());
  auto x = cast_if_needed(a, dtype, s);
  double n = reduced_count(a, axes);
  auto mu = mean(x, axes, true, s);
  auto dev = subtract(x, mu, s);
  auto sq = dtype == complex64 ? real(multiply(dev, conjugate(dev, s), s), s) : square(dev, s);
  auto total = sum(sq, axes, keepdims, s);
  double denom = n - ddof;
  auto scale = denom > 0 ? array(1.0 / denom, total.dtype())
                         : array(std::numeric_limits<float>::quiet_NaN(), total.dtype());
  return multiply(total, scale, s);
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
    throw op_error(name, "Cannot ", name, " an empty array.");
  }
  if (a.dtype() == complex64) {
    throw op_error(name, "Not supported for complex64.");
  }
  int ax = normalize_axis(name, axis, a.ndim());
  Shape shape = a.shape();
  shape[ax] = 1;
  auto out = array(shape, uint32, std::make_shared<ArgReduce>(to_stream(s), type, ax), {a});
  return keepdims ? out : squeeze(out, ax, s);
}
} // namespace

array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce("argmin", ArgReduceType::ArgMin, a, axis, keepdims, s);
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmin(flatten(a, s), 0, true, s);
  return keepdims ? reshape(out, Shape(a.ndim(), 1), s) : reshape(out, {}, s);
}
array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce("argmax", ArgReduceType::ArgMax, a, axis, keepdims, s);
}
array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmax(flatten(a, s), 0, true, s);
  return keepdims ? reshape(out, Shape(a.ndim(), 1), s) : reshape(out, {}, s);
}

array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return sum(not_equal(a, zeros({}, a.dtype(), s), s), axes, keepdims, s);
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
  auto dtype = at_least_float(a.dtype());
  auto x = cast_if_needed(a, dtype, s);
  auto maxval = stop_gradient(max(x, axes, true, s), s);
  // An all -inf slice would give inf - inf; shift by 0 there instead.
  maxval = where(isinf(maxval, s), zeros_like(maxval, s), maxval, s);
  auto out = log(sum(exp(subtract(x, maxval, s), s), axes, true, s), s);
  out = add(out, maxval, s);
  return keepdims ? out : squeeze(out, normalize_axes("logsumexp", axes, a.ndim()), s);
}
array logsumexp(const array& a, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, all_axes(a.ndim()), keepdims, s);
}
array logsumexp(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, std::vector<int>{axis}, keepdims, s);
}

array softmax(const array& a, const std::vector<int>& axes, bool precise, StreamOrDevice s) {
  if (a.size() == 0) {
    return a;
  }
  auto dtype = at_least_float(a.dtype());
  auto compute = precise && (dtype == float16 || dtype == bfloat16) ? float32 : dtype;
  auto x = cast_if_needed(a, compute, s);
  auto shifted = exp(subtract(x, stop_gradient(max(x, axes, true, s), s), s), s);
  auto out = divide(shifted, sum(shifted, axes, true, s), s);
  return cast_if_needed(out, dtype, s);
}
array softmax(const array& a, bool precise, StreamOrDevice s) {
  return softmax(a, all_axes(a.ndim()), precise, s);
}

} // namespace mlx::core
