// The GGUF layout (version 2 and 3, little-endian): magic "GGUF", version, tensor count,
// metadata count, the metadata key/value pairs, the tensor infos (name, dimensions innermost
// first, ggml type, offset into the data section), padding to the alignment, the data section.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mlx/io.h"

#include "core/io/gguf_types.h"

namespace mlx::core::io::detail {

constexpr uint64_t gguf_default_alignment = 32;
// ggml's GGML_MAX_DIMS: llama.cpp reads no tensor with more.
constexpr uint32_t gguf_max_dims = 4;

struct GgufTensorInfo {
  std::string name;
  const GgmlTypeTraits* type;
  Shape shape;     // row-major: ggml's dimensions reversed
  uint64_t offset; // from the start of the file
  uint64_t nbytes;
};

struct GgufFile {
  uint32_t version;
  uint64_t alignment;
  std::vector<std::pair<std::string, GGUFMetaData>> metadata; // in file order
  std::vector<GgufTensorInfo> tensors;                        // in file order
};

// Parses and validates a GGUF file of `size` bytes at `data`: every count, length, type,
// dimension and offset is checked against the file before anything is allocated for it.
// Metadata values become what load_gguf returns. Throws std::runtime_error "[op] label: ...".
GgufFile parse_gguf(const uint8_t* data, size_t size, const std::string& label, const char* op);

} // namespace mlx::core::io::detail
