// Shared by the fuzz targets: wrap the input as file bytes, and read every byte of every
// array a loader returned (evaluating lazy ones first), so a view past its buffer or a decoder
// reading past its blocks shows up under AddressSanitizer.
#pragma once

#include <cstdint>
#include <vector>

#include "mlx/mlx.h"

#include "core/io/file_bytes.h"

namespace fuzz {

inline std::shared_ptr<mlx::core::io::detail::FileBytes> bytes_of(const uint8_t* data,
                                                                  size_t size) {
  return mlx::core::io::detail::FileBytes::from_memory(std::vector<uint8_t>(data, data + size),
                                                       "fuzz input");
}

inline void touch(mlx::core::array a) {
  a = mlx::core::contiguous(a);
  a.eval();
  volatile uint8_t sum = 0;
  const auto* p = a.data<uint8_t>();
  for (size_t i = 0; i < a.nbytes(); ++i) {
    sum += p[i];
  }
}

} // namespace fuzz
