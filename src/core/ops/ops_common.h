// Helpers shared by the op implementations (src/core/ops/*.cpp).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "mlx/ops.h"

namespace mlx::core {

// Builds an std::invalid_argument whose message starts with "[op] ".
template <typename... Parts>
std::invalid_argument op_error(const char* op, const Parts&... parts) {
  std::ostringstream msg;
  msg << "[" << op << "] ";
  (msg << ... << parts);
  return std::invalid_argument(msg.str());
}

// Normalizes a possibly negative axis against ndim, throwing "[op] ..." when out of range.
int normalize_axis(const char* op, int axis, int ndim);

// Normalizes, sorts and checks a list of axes for duplicates.
std::vector<int> normalize_axes(const char* op, const std::vector<int>& axes, int ndim);

// All axes of an ndim array: 0, 1, ..., ndim - 1.
std::vector<int> all_axes(int ndim);

// Casts to `dtype` unless it already has it (no node added).
array cast_if_needed(const array& a, Dtype dtype, StreamOrDevice s);

// Broadcasts a and b together; returns the broadcast pair.
std::pair<array, array> broadcast_pair(const array& a, const array& b, const char* op,
                                       StreamOrDevice s);

// The float type an op computes in when its inputs may be integers (MLX's at_least_float).
inline Dtype at_least_float(Dtype t) {
  return issubdtype(t, inexact) ? t : float32;
}

} // namespace mlx::core
