// Array creation: ranges, constants, identity-like matrices, triangles and windows.
#include <cmath>
#include <limits>
#include <numbers>

#include "core/ops/ops_common.h"
#include "core/primitives/shape.h"

namespace mlx::core {

array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
  if (dtype == bool_) {
    throw op_error("arange", "bool not supported for arange.");
  }
  if (std::isnan(start) || std::isnan(stop) || std::isnan(step)) {
    throw op_error("arange", "Cannot compute length: start, stop and step must not be NaN.");
  }
  if (std::isinf(start) || std::isinf(stop)) {
    throw op_error("arange", "Cannot compute length with infinite start or stop.");
  }
  if (step == 0) {
    throw op_error("arange", "Step must be non-zero.");
  }
  // An infinite step in the direction of stop gives just start, as MLX and numpy.
  if (std::isinf(step) && ((step > 0 && start < stop) || (step < 0 && start > stop))) {
    return full({1}, array(start, float64), dtype, s);
  }
  double real_size = std::ceil((stop - start) / step);
  if (real_size > static_cast<double>(std::numeric_limits<int32_t>::max())) {
    throw op_error("arange", "Maximum size exceeded (", real_size, " elements).");
  }
  int size = std::max(static_cast<int>(real_size), 0);
  return array({size}, dtype, std::make_shared<Arange>(to_stream(s), start, stop, step), {});
}
array arange(double start, double stop, double step, StreamOrDevice s) {
  return arange(start, stop, step, float32, s);
}
array arange(double start, double stop, Dtype dtype, StreamOrDevice s) {
  return arange(start, stop, 1.0, dtype, s);
}
array arange(double start, double stop, StreamOrDevice s) {
  return arange(start, stop, 1.0, float32, s);
}
array arange(double stop, Dtype dtype, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, dtype, s);
}
array arange(double stop, StreamOrDevice s) {
  return arange(0.0, stop, 1.0, float32, s);
}
array arange(int start, int stop, int step, StreamOrDevice s) {
  return arange(static_cast<double>(start), static_cast<double>(stop), static_cast<double>(step),
                int32, s);
}
array arange(int start, int stop, StreamOrDevice s) {
  return arange(static_cast<double>(start), static_cast<double>(stop), 1.0, int32, s);
}
array arange(int stop, StreamOrDevice s) {
  return arange(0.0, static_cast<double>(stop), 1.0, int32, s);
}

array linspace(double start, double stop, int num, Dtype dtype, StreamOrDevice s) {
  if (num < 0) {
    throw op_error("linspace", "Number of samples, ", num, ", must be non-negative.");
  }
  // As MLX: (1 - t) start + t stop with t = i / (num - 1), so both ends are exact; computed in
  // float32 (float64 when that is the requested type).
  Dtype compute = dtype == float64 ? float64 : float32;
  if (num == 1) {
    return astype(full({1}, array(start, float64), compute, s), dtype, s);
  }
  auto t = divide(arange(0.0, static_cast<double>(num), compute, s), array(num - 1, compute), s);
  auto t_bar = subtract(array(1, compute), t, s);
  auto out =
      add(multiply(t_bar, array(start, compute), s), multiply(t, array(stop, compute), s), s);
  return astype(out, dtype, s);
}

array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s) {
  for (auto d : shape) {
    if (d < 0) {
      throw op_error("full", "Negative dimensions are not allowed.");
    }
  }
  auto value = broadcast_to(astype(std::move(vals), dtype, s), shape, s);
  return array(std::move(shape), dtype, std::make_shared<Full>(to_stream(s)), {value});
}
array full(Shape shape, array vals, StreamOrDevice s) {
  auto dtype = vals.dtype();
  return full(std::move(shape), std::move(vals), dtype, s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(0, dtype), dtype, s);
}
array zeros_like(const array& a, StreamOrDevice s) {
  return zeros(a.shape(), a.dtype(), s);
}
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(1, dtype), dtype, s);
}
array ones_like(const array& a, StreamOrDevice s) {
  return ones(a.shape(), a.dtype(), s);
}
array full_like(const array& a, const array& vals, StreamOrDevice s) {
  return full(a.shape(), vals, a.dtype(), s);
}

array tri(int n, int m, int k, Dtype type, StreamOrDevice s) {
  if (n < 0 || m < 0) {
    throw op_error("tri", "Negative dimensions are not allowed.");
  }
  // int64 indices: row + k must not wrap for any int k.
  auto rows = reshape(arange(0.0, static_cast<double>(n), int64, s), {n, 1}, s);
  auto cols = reshape(arange(0.0, static_cast<double>(m), int64, s), {1, m}, s);
  return astype(greater_equal(add(rows, array(int64_t{k}), s), cols, s), type, s);
}

array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  if (n <= 0 || m <= 0) {
    throw op_error("eye", "N and M must be positive integers.");
  }
  auto rows = reshape(arange(0.0, static_cast<double>(n), int64, s), {n, 1}, s);
  auto cols = reshape(arange(0.0, static_cast<double>(m), int64, s), {1, m}, s);
  return astype(equal(add(rows, array(int64_t{k}), s), cols, s), dtype, s);
}

array identity(int n, Dtype dtype, StreamOrDevice s) {
  return eye(n, n, 0, dtype, s);
}

array tril(array x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw op_error("tril", "tril requires an array with at least 2 dimensions.");
  }
  auto mask = tri(x.shape(-2), x.shape(-1), k, bool_, s);
  return where(mask, x, array(0, x.dtype()), s);
}

array triu(array x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw op_error("triu", "triu requires an array with at least 2 dimensions.");
  }
  auto mask = tri(x.shape(-2), x.shape(-1), k - 1, bool_, s);
  return where(mask, array(0, x.dtype()), x, s);
}

namespace {

// Numpy's window definitions over k = 0..M-1, computed in double on the host; as numpy, a
// length below 1 gives an empty window and a length of 1 the single value 1.
template <typename F>
array window(int M, F value) {
  if (M < 1) {
    return array({}, float32);
  }
  std::vector<float> w(M);
  for (int k = 0; k < M; ++k) {
    w[k] = M == 1 ? 1.0f
                  : static_cast<float>(value(static_cast<double>(k), static_cast<double>(M - 1)));
  }
  return array(w.begin(), {M}, float32);
}

} // namespace

array hanning(int M, StreamOrDevice s) {
  return window(
      M, [](double n, double d) { return 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * n / d); });
}

array hamming(int M, StreamOrDevice s) {
  return window(
      M, [](double n, double d) { return 0.54 - 0.46 * std::cos(2.0 * std::numbers::pi * n / d); });
}

array bartlett(int M, StreamOrDevice s) {
  return window(M, [](double n, double d) { return n <= d / 2 ? 2.0 * n / d : 2.0 - 2.0 * n / d; });
}

array blackman(int M, StreamOrDevice s) {
  return window(M, [](double n, double d) {
    double x = 2.0 * std::numbers::pi * n / d;
    return 0.42 - 0.5 * std::cos(x) + 0.08 * std::cos(2.0 * x);
  });
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    throw op_error("meshgrid", "Invalid indexing value. Valid values are 'xy' and 'ij'.");
  }
  int ndim = static_cast<int>(arrays.size());
  std::vector<array> outputs;
  for (int i = 0; i < ndim; ++i) {
    Shape shape(ndim, 1);
    shape[i] = -1;
    outputs.push_back(reshape(flatten(arrays[i], s), shape, s));
  }
  if (indexing == "xy" && ndim > 1) {
    Shape shape(ndim, 1);
    shape[1] = -1;
    outputs[0] = reshape(outputs[0], shape, s);
    shape[1] = 1;
    shape[0] = -1;
    outputs[1] = reshape(outputs[1], shape, s);
  }
  if (!sparse) {
    outputs = broadcast_arrays(outputs, s);
  }
  return outputs;
}

} // namespace mlx::core
