// ggml's tensor types and GGUF's metadata value types, with their storage sizes.
#pragma once

#include <cstdint>
#include <optional>

#include "mlx/dtype.h"

namespace mlx::core::io::detail {

enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct GgmlTypeTraits {
  GgmlType type;
  const char* name;
  uint32_t block_size; // elements per block (1 for plain types)
  uint32_t type_size;  // bytes per block
};

// The traits of a type id read from a file, or null for an unknown id.
const GgmlTypeTraits* ggml_type_traits(uint32_t id);
const GgmlTypeTraits& ggml_type_traits(GgmlType type);

// The dtype a plain (unquantized) type maps onto byte for byte.
std::optional<Dtype> ggml_plain_dtype(GgmlType type);
std::optional<GgmlType> ggml_type_of(Dtype dtype);

enum class GgufValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};

// The size of a fixed-size value type, or 0 for STRING and ARRAY (and unknown types).
size_t gguf_value_size(uint32_t type);

} // namespace mlx::core::io::detail
