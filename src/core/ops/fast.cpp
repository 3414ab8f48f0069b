// mlx::core::fast: argument checks and graph nodes for the fused model kernels.
#include "mlx/fast.h"

#include <cmath>

#include "core/ops/ops_common.h"
#include "core/primitives/fast.h"

namespace mlx::core::fast {

namespace {

void require_floating(const char* op, const array& a, const char* what) {
  if (!issubdtype(a.dtype(), floating)) {
    throw op_error(op, "The ", what, " must be a floating type, got ", a.dtype(), ".");
  }
}

// A 1-D parameter of length `n` (weight or bias of a norm), or `fill` when absent.
array norm_parameter(const char* op, const char* what, const std::optional<array>& p, int n,
                     Dtype dtype, float fill, StreamOrDevice s) {
  if (!p.has_value()) {
    return full({n}, array(fill, dtype), dtype, s);
  }
  if (p->ndim() != 1 || p->shape(0) != n) {
    std::ostringstream shape;
    shape << p->shape();
    throw op_error(op, "The ", what, " must have shape (", n,
                   ",) to match the last axis of x, got ", shape.str(), ".");
  }
  return astype(*p, dtype, s);
}

} // namespace

array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s) {
  if (x.ndim() == 0) {
    throw op_error("rms_norm", "Input must have at least one dimension.");
  }
  require_floating("rms_norm", x, "input");
  auto dtype = weight ? promote_types(x.dtype(), weight->dtype()) : x.dtype();
  if (!issubdtype(dtype, floating)) {
    throw op_error("rms_norm", "The weight must be a floating type.");
  }
  auto w = norm_parameter("rms_norm", "weight", weight, x.shape(-1), dtype, 1.0f, s);
  return array(x.shape(), dtype, std::make_shared<RMSNorm>(to_stream(s), eps),
               {astype(x, dtype, s), w});
}

array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s) {
  if (x.ndim() == 0) {
    throw op_error("layer_norm", "Input must have at least one dimension.");
  }
  require_floating("layer_norm", x, "input");
  Dtype dtype = x.dtype();
  if (weight) {
    dtype = promote_types(dtype, weight->dtype());
  }
  if (bias) {
    dtype = promote_types(dtype, bias->dtype());
  }
  if (!issubdtype(dtype, floating)) {
    throw op_error("layer_norm", "The weight and bias must be floating types.");
  }
  auto w = norm_parameter("layer_norm", "weight", weight, x.shape(-1), dtype, 1.0f, s);
  auto b = norm_parameter("layer_norm", "bias", bias, x.shape(-1), dtype, 0.0f, s);
  return array(x.shape(), dtype, std::make_shared<LayerNorm>(to_stream(s), eps),
               {astype(x, dtype, s), w, b});
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           const array& offset, const std::optional<array>& freqs, StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw op_error("rope", "Input must have at least 2 dimensions (..., sequence, features).");
  }
  require_floating("rope", x, "input");
  if (dims <= 0 || dims > x.shape(-1) || dims % 2 != 0) {
    throw op_error("rope", "dims must be even, positive and at most the feature size ", x.shape(-1),
                   ", got ", dims, ".");
  }
  if (!issubdtype(offset.dtype(), integer)) {
    throw op_error("rope", "The offset must be an integer array, got ", offset.dtype(), ".");
  }
  if (offset.ndim() > 1 || (offset.ndim() == 1 && offset.size() != 1 &&
                            (x.ndim() < 3 || static_cast<int>(offset.size()) != x.shape(0)))) {
    throw op_error("rope", "The offset must be a scalar or hold one offset per batch entry.");
  }
  int half = dims / 2;
  array inv_freqs = array(0.0f);
  if (freqs.has_value()) {
    if (base.has_value()) {
      throw op_error("rope", "Only one of base or freqs may be given.");
    }
    if (freqs->ndim() != 1 || freqs->shape(0) != half) {
      throw op_error("rope", "freqs must have shape (dims / 2,) = (", half, ",).");
    }
    inv_freqs = reciprocal(astype(*freqs, float32, s), s);
  } else {
    if (!base.has_value()) {
      throw op_error("rope", "Either base or freqs must be given.");
    }
    // base^(-2i/dims), i = 0..half-1
    auto exponents = multiply(arange(0.0, static_cast<double>(half), float32, s),
                              array(-std::log(*base) / half, float32), s);
    inv_freqs = exp(exponents, s);
  }
  return array(x.shape(), x.dtype(), std::make_shared<RoPE>(to_stream(s), dims, traditional, scale),
               {x, astype(reshape(offset, {-1}, s), int32, s), inv_freqs});
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           int offset, const std::optional<array>& freqs, StreamOrDevice s) {
  return rope(x, dims, traditional, base, scale, array(offset), freqs, s);
}

array scaled_dot_product_attention(const array& queries, const array& keys, const array& values,
                                   const float scale, const std::string& mask_mode,
                                   std::optional<array> mask_arr, const std::optional<array>& sinks,
                                   StreamOrDevice s) {
  const char* op = "scaled_dot_product_attention";
  for (const auto* a : {&queries, &keys, &values}) {
    if (a->ndim() != 4) {
      throw op_error(op, "queries, keys and values must have 4 dimensions [B, heads, L, D].");
    }
  }
  require_floating(op, queries, "queries");
  int B = queries.shape(0), Hq = queries.shape(1), Lq = queries.shape(2), D = queries.shape(3);
  int Hkv = keys.shape(1), Lk = keys.shape(2);
  if (keys.shape(0) != B || values.shape(0) != B) {
    throw op_error(op, "queries, keys and values must have the same batch size.");
  }
  if (keys.shape(3) != D) {
    throw op_error(op, "keys must have the queries' head dimension ", D, ", got ", keys.shape(3),
                   ".");
  }
  if (values.shape(1) != Hkv || values.shape(2) != Lk) {
    throw op_error(op, "values must have the keys' heads and length.");
  }
  if (Hkv == 0 || Hq % Hkv != 0) {
    throw op_error(op, "The number of query heads (", Hq,
                   ") must be a multiple of the number of "
                   "key/value heads (",
                   Hkv, ").");
  }
  AttentionMask mask = AttentionMask::None;
  if (mask_mode == "causal") {
    mask = AttentionMask::Causal;
    if (mask_arr.has_value()) {
      throw op_error(op, "A mask array cannot be combined with mask_mode \"causal\".");
    }
  } else if (mask_mode == "array" || (mask_mode.empty() && mask_arr.has_value())) {
    if (!mask_arr.has_value()) {
      throw op_error(op, "mask_mode \"array\" needs mask_arr.");
    }
    mask = AttentionMask::Array;
  } else if (!mask_mode.empty()) {
    throw op_error(op, "Invalid mask_mode \"", mask_mode, "\": use \"\", \"causal\" or \"array\".");
  }
  auto dtype = queries.dtype();
  std::vector<array> inputs = {queries, astype(keys, dtype, s), astype(values, dtype, s)};
  if (mask == AttentionMask::Array) {
    Shape full_shape = {B, Hq, Lq, Lk};
    Shape mshape;
    try {
      mshape = broadcast_shapes(mask_arr->shape(), full_shape);
    } catch (const std::invalid_argument&) {
      throw op_error(op, "The mask must broadcast to [B, Hq, Lq, Lk].");
    }
    if (mshape != full_shape) {
      throw op_error(op, "The mask must broadcast to [B, Hq, Lq, Lk].");
    }
    auto m = mask_arr->dtype() == bool_ ? *mask_arr : astype(*mask_arr, dtype, s);
    inputs.push_back(broadcast_to(m, full_shape, s));
  }
  if (sinks.has_value()) {
    if (sinks->ndim() != 1 || sinks->shape(0) != Hq) {
      throw op_error(op, "sinks must have shape (Hq,) = (", Hq, ",).");
    }
    inputs.push_back(astype(*sinks, float32, s));
  }
  return array(
      {B, Hq, Lq, values.shape(3)}, dtype,
      std::make_shared<ScaledDotProductAttention>(to_stream(s), scale, mask, sinks.has_value()),
      std::move(inputs));
}

} // namespace mlx::core::fast
