#include "core/io/gguf_types.h"

namespace mlx::core::io::detail {

namespace {

// Block sizes and bytes per block, from ggml's block structures (ggml-common.h).
constexpr GgmlTypeTraits traits[] = {
    {GgmlType::F32, "F32", 1, 4},
    {GgmlType::F16, "F16", 1, 2},
    {GgmlType::Q4_0, "Q4_0", 32, 18},
    {GgmlType::Q4_1, "Q4_1", 32, 20},
    {GgmlType::Q5_0, "Q5_0", 32, 22},
    {GgmlType::Q5_1, "Q5_1", 32, 24},
    {GgmlType::Q8_0, "Q8_0", 32, 34},
    {GgmlType::Q8_1, "Q8_1", 32, 36},
    {GgmlType::Q2_K, "Q2_K", 256, 84},
    {GgmlType::Q3_K, "Q3_K", 256, 110},
    {GgmlType::Q4_K, "Q4_K", 256, 144},
    {GgmlType::Q5_K, "Q5_K", 256, 176},
    {GgmlType::Q6_K, "Q6_K", 256, 210},
    {GgmlType::Q8_K, "Q8_K", 256, 292},
    {GgmlType::IQ2_XXS, "IQ2_XXS", 256, 66},
    {GgmlType::IQ2_XS, "IQ2_XS", 256, 74},
    {GgmlType::IQ3_XXS, "IQ3_XXS", 256, 98},
    {GgmlType::IQ1_S, "IQ1_S", 256, 50},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 18},
    {GgmlType::IQ3_S, "IQ3_S", 256, 110},
    {GgmlType::IQ2_S, "IQ2_S", 256, 82},
    {GgmlType::IQ4_XS, "IQ4_XS", 256, 136},
    {GgmlType::I8, "I8", 1, 1},
    {GgmlType::I16, "I16", 1, 2},
    {GgmlType::I32, "I32", 1, 4},
    {GgmlType::I64, "I64", 1, 8},
    {GgmlType::F64, "F64", 1, 8},
    {GgmlType::IQ1_M, "IQ1_M", 256, 56},
    {GgmlType::BF16, "BF16", 1, 2},
    {GgmlType::TQ1_0, "TQ1_0", 256, 54},
    {GgmlType::TQ2_0, "TQ2_0", 256, 66},
    {GgmlType::MXFP4, "MXFP4", 32, 17},
};

struct PlainType {
  GgmlType type;
  Dtype dtype;
};

constexpr PlainType plain_types[] = {
    {GgmlType::F32, float32}, {GgmlType::F16, float16}, {GgmlType::BF16, bfloat16},
    {GgmlType::F64, float64}, {GgmlType::I8, int8},     {GgmlType::I16, int16},
    {GgmlType::I32, int32},   {GgmlType::I64, int64},
};

} // namespace

const GgmlTypeTraits* ggml_type_traits(uint32_t id) {
  for (const auto& t : traits) {
    if (static_cast<uint32_t>(t.type) == id) {
      return &t;
    }
  }
  return nullptr;
}

const GgmlTypeTraits& ggml_type_traits(GgmlType type) {
  return *ggml_type_traits(static_cast<uint32_t>(type));
}

std::optional<Dtype> ggml_plain_dtype(GgmlType type) {
  for (const auto& p : plain_types) {
    if (p.type == type) {
      return p.dtype;
    }
  }
  return std::nullopt;
}

std::optional<GgmlType> ggml_type_of(Dtype dtype) {
  for (const auto& p : plain_types) {
    if (p.dtype == dtype) {
      return p.type;
    }
  }
  return std::nullopt;
}

size_t gguf_value_size(uint32_t type) {
  switch (static_cast<GgufValueType>(type)) {
  case GgufValueType::UINT8:
  case GgufValueType::INT8:
  case GgufValueType::BOOL:
    return 1;
  case GgufValueType::UINT16:
  case GgufValueType::INT16:
    return 2;
  case GgufValueType::UINT32:
  case GgufValueType::INT32:
  case GgufValueType::FLOAT32:
    return 4;
  case GgufValueType::UINT64:
  case GgufValueType::INT64:
  case GgufValueType::FLOAT64:
    return 8;
  default:
    return 0;
  }
}

} // namespace mlx::core::io::detail
