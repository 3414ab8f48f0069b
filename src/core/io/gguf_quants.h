// ggml's quantized blocks, one block at a time.
//
// Five types map exactly onto MLX's affine quantization (group size 32, value = q*scale + bias,
// q packed low bits first into uint32 words, scale and bias in float16):
//   Q4_0: 4 bits, q = stored nibble,      scale = d, bias = -8 d     (ggml: (q - 8) d)
//   Q4_1: 4 bits, q = stored nibble,      scale = d, bias = m        (ggml: q d + m)
//   Q5_0: 5 bits, q = nibble | high << 4, scale = d, bias = -16 d    (ggml: (q - 16) d)
//   Q5_1: 5 bits, q = nibble | high << 4, scale = d, bias = m        (ggml: q d + m)
//   Q8_0: 8 bits, q = stored int8 + 128,  scale = d, bias = -128 d   (ggml: int8 d)
// d and m are float16 in the file, so the scales and biases copy them exactly; -8 d, -16 d and
// -128 d are d scaled by powers of two, exact in float16 unless they overflow it (|d| beyond
// 8188, 4094 or 511.75), which the unpackers report. q*scale + bias evaluated in float32 then
// equals ggml's float32 result bit for bit (q*scale is exact: at most 8 + 11 significant bits),
// save that a zero comes out as +0.0 where ggml's (q - 8) * d gives -0.0 for a negative d.
//
// The K-quants have no such form: Q2_K, Q3_K and Q6_K use groups of 16, and every K-quant's
// sub-block scale is a product d * sc that float16 cannot hold exactly. They are dequantized to
// float32 with ggml's formulas, in ggml's order of operations, so the results are bit-identical
// to its dequantize_row_* (every product before the final subtraction is exact, so contracting
// to a fused multiply-add cannot change a result either).
#pragma once

#include <cstdint>

#include "mlx/types/half_types.h"

#include "core/io/gguf_types.h"

namespace mlx::core::io::detail {

constexpr int gguf_group_size = 32;

// MLX's bits per value for a type with an exact affine form, or 0.
int affine_bits(GgmlType type);

// Whether `type` is one of the K-quants that dequantize_block handles.
bool is_k_quant(GgmlType type);

// Unpacks one 32-value block of Q4_0, Q4_1, Q5_0, Q5_1 or Q8_0 into `bits` uint32 words, a scale
// and a bias. Returns false when the bias overflows float16 (only for a finite scale).
bool unpack_block(GgmlType type, const uint8_t* block, uint32_t* words, float16_t& scale,
                  float16_t& bias);

// Packs 32 values of an affine triple back into a block of `type` (the inverse of
// unpack_block). The caller has checked that `type` represents the scale and bias exactly.
void pack_block(GgmlType type, const uint32_t* words, float16_t scale, float16_t bias,
                uint8_t* block);

// Dequantizes one 256-value super-block of Q2_K, Q3_K, Q4_K, Q5_K or Q6_K.
void dequantize_block(GgmlType type, const uint8_t* block, float* out);

} // namespace mlx::core::io::detail
