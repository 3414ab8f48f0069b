// Fused kernels for models, as MLX's mlx/fast.h: one pass over the data instead of a chain of
// generic ops.
#pragma once

#include <optional>
#include <string>

#include "mlx/array.h"
#include "mlx/utils.h"

namespace mlx::core::fast {

/** x * rsqrt(mean(x^2, -1) + eps) * weight, normalizing the last axis. */
array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s = {});

/** (x - mean) * rsqrt(var + eps) * weight + bias over the last axis. */
array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s = {});

/**
 * Rotary position embedding over the last axis of x [..., L, D] (the first `dims` features),
 * positions offset + 0..L-1 along the second-to-last axis. `traditional` rotates adjacent
 * pairs; otherwise the two halves. Frequencies are base^(-2i/dims), or 1/freqs when given.
 * `offset` may be an integer array: a scalar, or one offset per batch entry.
 */
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           int offset, const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           const array& offset, const std::optional<array>& freqs = std::nullopt,
           StreamOrDevice s = {});

/**
 * O = softmax(scale * Q K^T + mask) V for Q [B, Hq, Lq, D], K [B, Hkv, Lk, D],
 * V [B, Hkv, Lk, Dv], with Hq a multiple of Hkv (grouped-query attention). mask_mode is ""
 * (none), "causal" (query i sees keys up to i + Lk - Lq) or "array" (mask_arr: boolean, true
 * keeps, or additive, broadcastable to [B, Hq, Lq, Lk]). `sinks` [Hq] adds one logit per head
 * to the softmax's denominator (attention sinks).
 */
array scaled_dot_product_attention(const array& queries, const array& keys, const array& values,
                                   const float scale, const std::string& mask_mode = "",
                                   std::optional<array> mask_arr = {},
                                   const std::optional<array>& sinks = {}, StreamOrDevice s = {});

} // namespace mlx::core::fast
