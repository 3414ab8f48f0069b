// Overflow-checked arithmetic for sizes and offsets read from untrusted files.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "mlx/array.h"
#include "mlx/dtype.h"

namespace mlx::core::io::detail {

inline std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    return std::nullopt;
  }
  return r;
}

inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    return std::nullopt;
  }
  return r;
}

// Checks dimensions read from a file (each must fit an array's int32 dimension) and returns the
// shape and its byte size for `itemsize`, or an explanation of what is wrong.
struct CheckedShape {
  Shape shape;
  uint64_t elements = 0;
  uint64_t nbytes = 0;
  const char* problem = nullptr; // null when the shape is valid
};
CheckedShape check_shape(const uint64_t* dims, size_t ndim, uint64_t itemsize);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);

} // namespace mlx::core::io::detail
