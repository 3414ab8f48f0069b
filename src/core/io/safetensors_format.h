// The safetensors layout: an 8-byte little-endian header length, a JSON header describing each
// tensor (dtype, shape, data_offsets relative to the data section) plus optional string
// metadata, then the data section, which the tensors cover exactly, without gaps or overlaps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/array.h"

namespace mlx::core::io::detail {

// The spec's (and the Rust reference's) limit on the JSON header.
constexpr uint64_t max_safetensors_header = 100'000'000;

struct SafetensorsTensor {
  std::string name;
  std::string type; // as the file names it: "F32", "F8_E4M3", ...
  Dtype dtype;      // the dtype it loads as (8-bit floats load as uint8)
  Shape shape;
  uint64_t offset; // from the start of the file
  uint64_t nbytes;
};

struct SafetensorsHeader {
  std::vector<SafetensorsTensor> tensors; // in data order
  std::unordered_map<std::string, std::string> metadata;
};

// Parses and validates the header of a safetensors file of `size` bytes at `data`: every size,
// offset and dtype is checked against the file. Throws std::runtime_error "[op] label: ...".
SafetensorsHeader parse_safetensors(const uint8_t* data, size_t size, const std::string& label,
                                    const char* op);

// The safetensors name of a dtype ("F32", ...), or nullopt for one the format cannot store.
std::optional<std::string> safetensors_type_name(Dtype dtype);

} // namespace mlx::core::io::detail
