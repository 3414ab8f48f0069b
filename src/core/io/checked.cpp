#include "core/io/checked.h"

#include <algorithm>
#include <limits>

#include "core/io/errors.h"

namespace mlx::core::io::detail {

CheckedShape check_shape(const uint64_t* dims, size_t ndim, uint64_t itemsize) {
  CheckedShape result;
  bool has_zero = false;
  // The product of the non-zero dimensions: an array's strides are int64, so it must fit one
  // even when a zero dimension leaves the tensor empty.
  uint64_t product = 1;
  for (size_t i = 0; i < ndim; ++i) {
    if (dims[i] > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max())) {
      result.problem = "a dimension exceeds 2^31 - 1";
      return result;
    }
    result.shape.push_back(static_cast<ShapeElem>(dims[i]));
    has_zero |= dims[i] == 0;
    auto next = checked_mul(product, std::max<uint64_t>(dims[i], 1));
    if (!next || *next > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      result.problem = "the element count overflows 64 bits";
      return result;
    }
    product = *next;
  }
  result.elements = has_zero ? 0 : product;
  auto nbytes = checked_mul(result.elements, itemsize);
  if (!nbytes) {
    result.problem = "the byte size overflows 64 bits";
    return result;
  }
  result.nbytes = *nbytes;
  return result;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t code;
    uint32_t min_code;
    if ((c & 0xe0) == 0xc0) {
      extra = 1, code = c & 0x1f, min_code = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, code = c & 0x0f, min_code = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, code = c & 0x07, min_code = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i <= static_cast<size_t>(extra)) {
      return false;
    }
    for (int k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xc0) != 0x80) {
        return false;
      }
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min_code || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string printable(std::string_view s, size_t max_length) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size() && i < max_length; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max_length) {
    out += "...";
  }
  return out;
}

} // namespace mlx::core::io::detail
