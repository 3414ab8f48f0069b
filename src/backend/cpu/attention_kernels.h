// Vectorized attention blocks for float32/float16/bfloat16, one set per instruction-set variant
// (attention_decode_isa.cpp, attention_prefill_isa.cpp); attention.cpp splits the work into
// blocks and merges and normalizes their results.
#pragma once

#include <cstdint>

#include "mlx/dtype.h"

namespace mlx::core::cpu {

// One attention problem: q [B, Hq, Lq, D], k [B, Hkv, Lk, D], v [B, Hkv, Lk, Dv] of one
// storage type, each with a contiguous last axis and any other strides (in elements).
struct AttentionArgs {
  const void* q;
  const void* k;
  const void* v;
  int64_t q_strides[3]; // batch, head, position
  int64_t k_strides[3];
  int64_t v_strides[3];
  // Optional mask broadcast to [B, Hq, Lq, Lk]: boolean (true keeps) or additive (of the
  // storage type).
  const void* mask;
  bool mask_is_bool;
  int64_t mask_strides[4];
  float scale;
  bool causal; // query i sees keys up to i + Lk - Lq
  int Lq, Lk, D, Dv, group;
};

// The query heads of key/value head `hk` (group of them) at positions [q0, q1), over keys
// [k0, k1). Its rows are ordered head-major: row r is head hk * group + r / (q1 - q0) at
// position q0 + r % (q1 - q0).
struct AttentionBlock {
  int b, hk, q0, q1, k0, k1;
};

// Computes a block's softmax state without normalizing: per row the largest logit
// (row_max, -inf if every key was masked), the sum of exp(logit - row_max) (row_sum), and
// acc[row * Dv ...] = sum of exp(logit - row_max) * value.
using AttentionBlockKernel = void (*)(const AttentionArgs& args, const AttentionBlock& block,
                                      float* row_max, float* row_sum, float* acc);

// Blocks of few rows (decoding): dot products straight from the keys.
// Blocks of many rows (prefill): register-blocked products over packed tiles.
struct AttentionKernels {
  AttentionBlockKernel few_rows;
  AttentionBlockKernel many_rows;
};

// The most rows a few_rows block may have.
constexpr int attention_few_rows = 8;

namespace isa_baseline {
AttentionBlockKernel attention_few_rows_kernel(Dtype dtype);
AttentionBlockKernel attention_many_rows_kernel(Dtype dtype);
} // namespace isa_baseline
namespace isa_avx2 {
AttentionBlockKernel attention_few_rows_kernel(Dtype dtype);
AttentionBlockKernel attention_many_rows_kernel(Dtype dtype);
} // namespace isa_avx2
namespace isa_avx512 {
AttentionBlockKernel attention_few_rows_kernel(Dtype dtype);
AttentionBlockKernel attention_many_rows_kernel(Dtype dtype);
} // namespace isa_avx512

// The kernels of the active variant; dtype must be float32, float16 or bfloat16.
AttentionKernels attention_kernels(Dtype dtype);

} // namespace mlx::core::cpu
