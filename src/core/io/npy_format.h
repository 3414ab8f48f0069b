// The .npy layout: magic "\x93NUMPY", a version, a header length, a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces, then the data.
#pragma once

#include <cstdint>
#include <string>

#include "mlx/array.h"

namespace mlx::core::io::detail {

struct NpyHeader {
  Dtype dtype = float32;
  bool big_endian = false;
  bool fortran_order = false;
  Shape shape; // the array's shape (its data is column-major when fortran_order)
  uint64_t data_offset = 0;
  uint64_t nbytes = 0;
};

// Parses and validates the .npy at `data` (`size` bytes: the data must fill the rest exactly).
// Throws std::runtime_error "[op] label: ...".
NpyHeader parse_npy(const uint8_t* data, size_t size, const std::string& label, const char* op);

// The magic, version, length and padded header for a row-major array of this shape and dtype.
std::string npy_header(const Shape& shape, Dtype dtype);

} // namespace mlx::core::io::detail
