// The loaders over bytes already in memory or mapped: what the public functions of mlx/io.h
// call after opening a file, and what the fuzzers drive directly.
#pragma once

#include <memory>
#include <unordered_map>

#include "mlx/io.h"

#include "core/io/file_bytes.h"

namespace mlx::core::io::detail {

SafetensorsLoad load_safetensors_bytes(const std::shared_ptr<FileBytes>& bytes, const char* op);

GGUFLoad load_gguf_bytes(const std::shared_ptr<FileBytes>& bytes, StreamOrDevice s, const char* op);

std::unordered_map<std::string, array> load_npz_bytes(const std::shared_ptr<FileBytes>& bytes,
                                                      const char* op, StreamOrDevice s);

} // namespace mlx::core::io::detail
