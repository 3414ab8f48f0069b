// Affine quantization ops (MLX's "affine" mode): quantize, dequantize, quantized_matmul and
// gather_qmm. Layout and formulas are described in src/core/primitives/quantized.h.
#include "core/primitives/quantized.h"

#include "mlx/utils.h"

#include "core/ops/ops_common.h"

namespace mlx::core {

namespace {

struct QuantParams {
  int group_size;
  int bits;
};

// Resolves the defaults (group 64, 4 bits) and rejects what the affine kernels do not handle.
QuantParams affine_params(const char* op, const std::string& mode, std::optional<int> group_size,
                          std::optional<int> bits) {
  if (mode != "affine") {
    if (mode == "mxfp4" || mode == "mxfp8" || mode == "nvfp4") {
      throw op_error(op, "Quantization mode '", mode, "' is not supported; only 'affine' is.");
    }
    throw op_error(op, "Invalid quantization mode '", mode, "'.");
  }
  QuantParams p{group_size.value_or(64), bits.value_or(4)};
  if (p.group_size != 32 && p.group_size != 64 && p.group_size != 128) {
    throw op_error(op, "The requested group size ", p.group_size,
                   " is not supported. The supported group sizes are 32, 64, and 128.");
  }
  if (p.bits < 2 || p.bits > 8 || p.bits == 7) {
    throw op_error(op, "The requested number of bits ", p.bits,
                   " is not supported. The supported bits are 2, 3, 4, 5, 6 and 8.");
  }
  return p;
}

// The dtype scales and biases compute in: their common floating type.
Dtype scales_dtype(const char* op, const array& scales, const std::optional<array>& biases) {
  if (!biases) {
    throw op_error(op, "Biases must be provided for affine quantization.");
  }
  auto dtype = result_type(scales, *biases);
  if (!issubdtype(dtype, floating)) {
    throw op_error(op,
                   "Only real floating types are supported but scales.dtype() == ", scales.dtype(),
                   " and biases.dtype() == ", biases->dtype(), ".");
  }
  return dtype;
}

// Checks packed weights against their scales and biases; returns the unpacked last dimension.
int check_packed(const char* op, const array& w, const array& scales, const array& biases,
                 QuantParams p) {
  if (w.dtype() != uint32) {
    throw op_error(op, "The weight matrix should be uint32 but received ", w.dtype(), ".");
  }
  if (w.ndim() < 2) {
    throw op_error(op, "The quantized matrix must have at least 2 dimensions but it has ", w.ndim(),
                   ".");
  }
  if (scales.shape() != biases.shape()) {
    throw op_error(op, "Scales and biases should have the same shape. Received scales with shape ",
                   scales.shape(), " and biases with ", biases.shape(), ".");
  }
  bool same_outer = scales.ndim() == w.ndim() &&
                    std::equal(w.shape().begin(), w.shape().end() - 1, scales.shape().begin());
  int64_t unpacked = int64_t{w.shape(-1)} * 32;
  if (!same_outer || unpacked != int64_t{scales.shape(-1)} * p.group_size * p.bits) {
    throw op_error(op, "The shapes of the weight and scales are incompatible based on bits and ",
                   "group_size. w.shape() == ", w.shape(),
                   " and scales.shape() == ", scales.shape(), " with group_size=", p.group_size,
                   " and bits=", p.bits, ".");
  }
  return static_cast<int>(unpacked / p.bits);
}

// Scales and biases as the kernels take them: one dtype, float16/bfloat16/float32 kept when it
// converts exactly to `dtype` (saves a cast of every scale per call), else cast to `dtype`.
std::pair<array, array> kernel_scales(const array& scales, const array& biases, Dtype dtype,
                                      StreamOrDevice s) {
  auto common = result_type(scales, biases);
  if (common == float64 || promote_types(common, dtype) != dtype) {
    common = dtype;
  }
  return {cast_if_needed(scales, common, s), cast_if_needed(biases, common, s)};
}

// The output dtype of a product with x: promoted with the scales' dtype, float64 excluded.
Dtype product_dtype(const char* op, const array& x, Dtype scale_dtype) {
  auto dtype = promote_types(x.dtype(), scale_dtype);
  if (!issubdtype(dtype, floating)) {
    throw op_error(op, "Only real floating types are supported but x.dtype() == ", x.dtype(), ".");
  }
  if (dtype == float64) {
    throw op_error(op, "float64 is not supported; use float32, float16 or bfloat16.");
  }
  return dtype;
}

// {inner, outer} sizes of the unpacked weight as seen by x @ w (or x @ w.T).
std::pair<int, int> product_dims(const char* op, const array& x, const array& w, int unpacked,
                                 bool transpose, QuantParams p) {
  if (x.ndim() == 0) {
    throw op_error(op, "x must have at least one dimension.");
  }
  int inner = transpose ? unpacked : w.shape(-2);
  int outer = transpose ? w.shape(-2) : unpacked;
  if (x.shape(-1) != inner) {
    throw op_error(op, "Last dimension of first input with shape (..., ", x.shape(-1),
                   ") does not match the expanded quantized matrix (", inner, ", ", outer,
                   ") computed from shape ", w.shape(), " with group_size=", p.group_size,
                   ", bits=", p.bits, " and transpose=", transpose ? "true" : "false", ".");
  }
  return {inner, outer};
}

// a's shape with its last `keep` axes replaced by batch + those axes.
array broadcast_batch(const array& a, const Shape& batch, int keep, StreamOrDevice s) {
  Shape shape = batch;
  shape.insert(shape.end(), a.shape().end() - keep, a.shape().end());
  return broadcast_to(a, shape, s);
}

Shape batch_shape(const array& a) {
  return Shape(a.shape().begin(), a.shape().end() - 2);
}

// The default indices of a gather: every batch entry of a, shaped as a's batch axes.
array default_indices(const array& a, StreamOrDevice s) {
  auto shape = batch_shape(a);
  int64_t total = 1;
  for (auto d : shape) {
    total *= d;
  }
  return reshape(arange(0.0, static_cast<double>(total), 1.0, uint32, s), shape, s);
}

} // namespace

std::vector<array> quantize(const array& w, std::optional<int> group_size_,
                            std::optional<int> bits_, const std::string& mode, StreamOrDevice s) {
  auto p = affine_params("quantize", mode, group_size_, bits_);
  if (!issubdtype(w.dtype(), floating)) {
    throw op_error("quantize", "Only real floating types can be quantized but w has type ",
                   w.dtype(), ".");
  }
  if (w.ndim() < 2) {
    throw op_error("quantize", "The matrix to be quantized must have at least 2 dimensions ",
                   "but it has only ", w.ndim(), ".");
  }
  if (w.shape(-1) % p.group_size != 0) {
    throw op_error("quantize", "The last dimension of the matrix needs to be divisible by the ",
                   "quantization group size ", p.group_size, ". However the provided matrix has ",
                   "shape ", w.shape(), ".");
  }
  auto packed_shape = w.shape();
  packed_shape.back() = w.shape(-1) / 32 * p.bits;
  auto scales_shape = w.shape();
  scales_shape.back() = w.shape(-1) / p.group_size;
  return array::make_arrays(
      {packed_shape, scales_shape, scales_shape}, {uint32, w.dtype(), w.dtype()},
      std::make_shared<AffineQuantize>(to_stream(s), p.group_size, p.bits), {w});
}

array dequantize(const array& w, const array& scales, const std::optional<array>& biases,
                 std::optional<int> group_size_, std::optional<int> bits_, const std::string& mode,
                 std::optional<Dtype> dtype, StreamOrDevice s) {
  auto p = affine_params("dequantize", mode, group_size_, bits_);
  if (dtype && !issubdtype(*dtype, floating)) {
    throw op_error("dequantize",
                   "Only real floating types are supported but output dtype == ", *dtype, ".");
  }
  auto common = scales_dtype("dequantize", scales, biases);
  int unpacked = check_packed("dequantize", w, scales, *biases, p);
  auto out_shape = w.shape();
  out_shape.back() = unpacked;
  // As MLX: computed in the scales' dtype (product, then sum, each rounded), then cast.
  auto out = array(std::move(out_shape), common,
                   std::make_shared<AffineDequantize>(to_stream(s), p.group_size, p.bits),
                   {w, cast_if_needed(scales, common, s), cast_if_needed(*biases, common, s)});
  return cast_if_needed(out, dtype.value_or(common), s);
}

array quantized_matmul(array x, array w, array scales, std::optional<array> biases, bool transpose,
                       std::optional<int> group_size_, std::optional<int> bits_,
                       const std::string& mode, StreamOrDevice s) {
  const char* op = "quantized_matmul";
  auto p = affine_params(op, mode, group_size_, bits_);
  auto dtype = product_dtype(op, x, scales_dtype(op, scales, biases));
  int unpacked = check_packed(op, w, scales, *biases, p);
  auto [inner, outer] = product_dims(op, x, w, unpacked, transpose, p);
  auto [sc, bi] = kernel_scales(scales, *biases, dtype, s);
  x = cast_if_needed(x, dtype, s);
  auto prim = std::make_shared<QuantizedMatmul>(to_stream(s), p.group_size, p.bits, transpose);
  if (w.ndim() == 2) {
    auto out_shape = x.shape();
    out_shape.back() = outer;
    return array(std::move(out_shape), dtype, std::move(prim), {x, w, sc, bi});
  }
  // Batched weights broadcast against x's batch axes, as matmul does; a vector x is one row.
  bool vector = x.ndim() == 1;
  if (vector) {
    x = reshape(x, {1, inner}, s);
  }
  auto batch = broadcast_shapes(batch_shape(x), batch_shape(w));
  x = broadcast_batch(x, batch, 2, s);
  auto out_shape = x.shape();
  out_shape.back() = outer;
  auto out = array(out_shape, dtype, std::move(prim),
                   {x, broadcast_batch(w, batch, 2, s), broadcast_batch(sc, batch, 2, s),
                    broadcast_batch(bi, batch, 2, s)});
  if (vector) {
    out_shape.erase(out_shape.end() - 2);
    return reshape(out, out_shape, s);
  }
  return out;
}

array gather_qmm(const array& x, const array& w, const array& scales,
                 const std::optional<array>& biases, std::optional<array> lhs_indices_,
                 std::optional<array> rhs_indices_, bool transpose, std::optional<int> group_size_,
                 std::optional<int> bits_, const std::string& mode, bool sorted_indices,
                 StreamOrDevice s) {
  if (!lhs_indices_ && !rhs_indices_) {
    return quantized_matmul(x, w, scales, biases, transpose, group_size_, bits_, mode, s);
  }
  const char* op = "gather_qmm";
  auto p = affine_params(op, mode, group_size_, bits_);
  auto dtype = product_dtype(op, x, scales_dtype(op, scales, biases));
  int unpacked = check_packed(op, w, scales, *biases, p);
  if (x.ndim() < 2) {
    throw op_error(op, "Non-quantized input must have at least two dimensions but got input ",
                   "with shape ", x.shape(), ".");
  }
  auto [inner, outer] = product_dims(op, x, w, unpacked, transpose, p);
  for (const auto* idx : {&lhs_indices_, &rhs_indices_}) {
    if (*idx && !issubdtype((*idx)->dtype(), integer)) {
      throw op_error(op, "Got ", idx == &lhs_indices_ ? "lhs" : "rhs",
                     "_indices with invalid dtype. Indices must be integral.");
    }
  }
  auto lhs = lhs_indices_ ? *lhs_indices_ : default_indices(x, s);
  auto rhs = rhs_indices_ ? *rhs_indices_ : default_indices(w, s);
  auto idx = broadcast_arrays({astype(lhs, uint32, s), astype(rhs, uint32, s)}, s);
  auto [sc, bi] = kernel_scales(scales, *biases, dtype, s);
  auto out_shape = idx[0].shape();
  out_shape.push_back(x.shape(-2));
  out_shape.push_back(outer);
  return array(std::move(out_shape), dtype,
               std::make_shared<GatherQMM>(to_stream(s), p.group_size, p.bits, transpose,
                                           sorted_indices && !rhs_indices_,
                                           sorted_indices && !lhs_indices_),
               {cast_if_needed(x, dtype, s), w, sc, bi, idx[0], idx[1]});
}

} // namespace mlx::core
