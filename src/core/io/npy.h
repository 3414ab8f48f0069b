// The .npy reader and writer, shared by save/load and the .npz archive.
#pragma once

#include <memory>
#include <string>

#include "mlx/array.h"
#include "mlx/io/load.h"
#include "mlx/utils.h"

#include "core/io/file_bytes.h"

namespace mlx::core::io::detail {

// The array stored by the .npy occupying [offset, offset + size) of `bytes`; it views the bytes
// in place when it can.
array load_npy(const std::shared_ptr<FileBytes>& bytes, size_t offset, size_t size,
               const std::string& label, const char* op, StreamOrDevice s);

// Writes `a` as a .npy.
void save_npy(Writer& out, array a);

} // namespace mlx::core::io::detail
