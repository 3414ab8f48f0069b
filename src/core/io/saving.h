// Saving to a path without ever leaving a partial file.
#pragma once

#include <functional>
#include <string>

#include "mlx/array.h"
#include "mlx/io/load.h"

namespace mlx::core::io::detail {

// Calls `write` with a writer to a temporary file beside `path`, then renames it to `path`.
// If `write` throws (or the rename fails) the temporary file is removed and `path` untouched.
void write_file_atomically(const std::string& path, const char* op,
                           const std::function<void(Writer&)>& write);

// `file` with `extension` (".npy", ...) appended when it does not already end with it, as MLX.
std::string with_extension(std::string file, const std::string& extension);

// `a` evaluated with row-major contiguous data, ready to be written out byte for byte.
array row_major(array a);

} // namespace mlx::core::io::detail
