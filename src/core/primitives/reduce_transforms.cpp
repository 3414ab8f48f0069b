// jvp, vjp and vmap rules of reductions, softmax, logsumexp and scans. Reduce, LogSumExp keep
// the reduced axes with size 1, so cotangents broadcast straight back to the input's shape.
#include <algorithm>

#include "mlx/ops.h"

#include "core/primitives/reduce.h"
#include "core/primitives/scan.h"
#include "core/primitives/softmax.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

namespace {

// The reduced axes of an unbatched input, renumbered for an input batched along `batch_axis`.
std::vector<int> shift_axes(const std::vector<int>& axes, int batch_axis) {
  std::vector<int> out;
  for (int a : axes) {
    out.push_back(a >= batch_axis ? a + 1 : a);
  }
  return out;
}

array reduce_keepdims(ReduceType type, const array& x, const std::vector<int>& axes, Stream s) {
  switch (type) {
  case ReduceType::And:
    return all(x, axes, true, s);
  case ReduceType::Or:
    return any(x, axes, true, s);
  case ReduceType::Sum:
    return sum(x, axes, true, s);
  case ReduceType::Prod:
    return prod(x, axes, true, s);
  case ReduceType::Min:
    return min(x, axes, true, s);
  case ReduceType::Max:
    return max(x, axes, true, s);
  }
  return x;
}

// The share of the cotangent each element of x gets from a min or max: equal split among the
// elements that attain the extreme value y.
array extreme_weights(const array& x, const array& y, const std::vector<int>& axes, Stream s) {
  auto hit = astype(equal(x, y, s), x.dtype(), s);
  return divide(hit, sum(hit, axes, true, s), s);
}

// For each element of x, the product of the other elements in its reduction group: exclusive
// cumulative products from both ends, so that zeros in x need no division.
array product_of_others(const array& x, const std::vector<int>& axes, Stream s) {
  std::vector<int> perm;
  for (int i = 0; i < static_cast<int>(x.ndim()); ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
      perm.push_back(i);
    }
  }
  size_t kept = perm.size();
  perm.insert(perm.end(), axes.begin(), axes.end());
  auto moved = transpose(x, perm, s);
  Shape rows(moved.shape().begin(), moved.shape().begin() + kept);
  rows.push_back(-1);
  auto flat = reshape(moved, rows, s);
  auto others = multiply(cumprod(flat, -1, false, false, s), cumprod(flat, -1, true, false, s), s);
  std::vector<int> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    inverse[perm[i]] = static_cast<int>(i);
  }
  return transpose(reshape(others, moved.shape(), s), inverse, s);
}

} // namespace

std::vector<array> Reduce::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents, const std::vector<int>&,
                               const std::vector<array>& outputs) {
  auto s = stream();
  const auto& x = primals[0];
  if (!differentiable(x.dtype())) {
    return {zero_cotangent(x, s)};
  }
  auto ct = astype(cotangents[0], x.dtype(), s);
  switch (type_) {
  case ReduceType::Sum:
    return {broadcast_to(ct, x.shape(), s)};
  case ReduceType::Prod:
    return {multiply(ct, product_of_others(x, axes_, s), s)};
  case ReduceType::Min:
  case ReduceType::Max:
    return {multiply(ct, extreme_weights(x, outputs[0], axes_, s), s)};
  default:
    return {zero_cotangent(x, s)};
  }
}

std::vector<array> Reduce::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents, const std::vector<int>&) {
  auto s = stream();
  const auto& x = primals[0];
  const auto& t = tangents[0];
  switch (type_) {
  case ReduceType::Sum:
    return {sum(t, axes_, true, s)};
  case ReduceType::Prod:
    return {sum(multiply(t, product_of_others(x, axes_, s), s), axes_, true, s)};
  case ReduceType::Min:
  case ReduceType::Max: {
    auto y = reduce_keepdims(type_, x, axes_, s);
    return {sum(multiply(t, extreme_weights(x, y, axes_, s), s), axes_, true, s)};
  }
  default:
    return {zeros_like(reduce_keepdims(type_, x, axes_, s), s)};
  }
}

std::pair<std::vector<array>, std::vector<int>> Reduce::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  return {{reduce_keepdims(type_, inputs[0], shift_axes(axes_, axes[0]), stream())}, {axes[0]}};
}

std::vector<array> ArgReduce::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zero_cotangent(primals[0], stream())};
}

// Softmax over the last axis: dx = y (ct - sum(ct y)).

std::vector<array> Softmax::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  const auto& y = outputs[0];
  const auto& ct = cotangents[0];
  return {multiply(y, subtract(ct, sum(multiply(ct, y, s), -1, true, s), s), s)};
}

std::vector<array> Softmax::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents, const std::vector<int>&) {
  auto s = stream();
  auto y = softmax(primals[0], std::vector<int>{-1}, precise_, s);
  const auto& t = tangents[0];
  return {multiply(y, subtract(t, sum(multiply(t, y, s), -1, true, s), s), s)};
}

std::pair<std::vector<array>, std::vector<int>> Softmax::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], 0, stream());
  return {{softmax(x, std::vector<int>{-1}, precise_, stream())}, {0}};
}

// LogSumExp over the last axis: dx = ct exp(x - y).

std::vector<array> LogSumExp::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>& outputs) {
  auto s = stream();
  return {multiply(cotangents[0], exp(subtract(primals[0], outputs[0], s), s), s)};
}

std::pair<std::vector<array>, std::vector<int>> LogSumExp::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], 0, stream());
  return {{logsumexp(x, -1, true, stream())}, {0}};
}

// Scans. Output i depends on the inputs j it accumulated, so the cotangent of x_j sums over
// the outputs i that come after it: a cumulative sum of the cotangent the other way.

std::vector<array> Scan::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>&,
                             const std::vector<array>& outputs) {
  auto s = stream();
  const auto& x = primals[0];
  if (!differentiable(x.dtype())) {
    return {zero_cotangent(x, s)};
  }
  const auto& ct = cotangents[0];
  auto backwards = [&](const array& a) { return cumsum(a, axis_, !reverse_, inclusive_, s); };
  switch (type_) {
  case ScanType::Sum:
    return {backwards(ct)};
  case ScanType::Prod:
    // d y_i / d x_j = y_i / x_j for the j in y_i's product (x_j nonzero).
    return {divide(backwards(multiply(ct, outputs[0], s)), x, s)};
  case ScanType::LogAddExp:
    if (inclusive_) {
      // d y_i / d x_j = exp(x_j - y_i), split as exp(x_j - c) exp(c - y_i) around the row
      // maximum c so that neither factor overflows for moderate ranges.
      auto c = stop_gradient(max(x, axis_, true, s), s);
      auto right = multiply(ct, exp(subtract(c, outputs[0], s), s), s);
      return {multiply(exp(subtract(x, c, s), s), backwards(right), s)};
    }
    break;
  case ScanType::Max:
  case ScanType::Min:
    if (inclusive_) {
      // Output i is the input at the last record (a position equal to the running extreme)
      // at or before i in the scan's direction; its cotangent goes there.
      int n = x.shape(axis_);
      Shape along(x.ndim(), 1);
      along[axis_] = n;
      auto position = broadcast_to(reshape(arange(0, n, s), along, s), x.shape(), s);
      auto record = equal(x, outputs[0], s);
      auto last_record = reverse_
                             ? cummin(where(record, position, array(n), s), axis_, true, true, s)
                             : cummax(where(record, position, array(-1), s), axis_, false, true, s);
      return {scatter_add_axis(zeros_like(x, s), last_record, ct, axis_, s)};
    }
    break;
  }
  throw std::invalid_argument(std::string("[") + name() + "] vjp is not implemented.");
}

} // namespace mlx::core
