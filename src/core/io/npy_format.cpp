#include "core/io/npy_format.h"

#include <cstring>
#include <limits>
#include <stdexcept>

#include "core/io/checked.h"
#include "core/io/errors.h"

namespace mlx::core::io::detail {

namespace {

constexpr char magic[] = "\x93NUMPY";
constexpr size_t magic_size = 6;
// numpy refuses headers past 10 kB by default; real ones are under 200 bytes.
constexpr size_t max_header = 1 << 20;
constexpr size_t max_dims = 64;

// A reader for the Python literal numpy writes: a dict of string keys whose values are strings,
// True/False, or tuples of integers.
class DictLiteral {
public:
  DictLiteral(std::string_view text, const std::string& label, const char* op)
      : text_(text), label_(label), op_(op) {}

  NpyHeader parse() {
    NpyHeader header;
    bool has_descr = false, has_order = false, has_shape = false;
    expect('{');
    while (!peek('}')) {
      auto key = string_value();
      expect(':');
      if (key == "descr" && !has_descr) {
        read_descr(header);
        has_descr = true;
      } else if (key == "fortran_order" && !has_order) {
        header.fortran_order = boolean_value();
        has_order = true;
      } else if (key == "shape" && !has_shape) {
        header.shape = shape_value();
        has_shape = true;
      } else {
        fail("unexpected key '", printable(key), "'");
      }
      if (!peek('}')) {
        expect(',');
      }
    }
    expect('}');
    skip_space();
    if (pos_ != text_.size()) {
      fail("unexpected text after the header dict");
    }
    if (!has_descr || !has_order || !has_shape) {
      fail("the header lacks ",
           !has_descr ? "'descr'" : (!has_order ? "'fortran_order'" : "'shape'"));
    }
    return header;
  }

private:
  template <typename... Parts>
  [[noreturn]] void fail(const Parts&... parts) {
    format_error(op_, label_, "invalid .npy header: ", parts...);
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) {
      fail("expected '", c, "' at byte ", pos_);
    }
    ++pos_;
  }

  std::string string_value() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      fail("expected a string at byte ", pos_);
    }
    char quote = text_[pos_++];
    auto end = text_.find(quote, pos_);
    if (end == std::string_view::npos) {
      fail("unterminated string");
    }
    std::string value(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return value;
  }

  bool boolean_value() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    fail("'fortran_order' is not True or False");
  }

  Shape shape_value() {
    std::vector<uint64_t> dims;
    expect('(');
    while (!peek(')')) {
      if (dims.size() == max_dims) {
        fail("more than ", max_dims, " dimensions");
      }
      uint64_t dim = 0;
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        dim = dim * 10 + static_cast<uint64_t>(text_[pos_++] - '0');
        if (dim > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max())) {
          fail("a dimension exceeds 2^31 - 1");
        }
      }
      if (pos_ == start) {
        fail("expected a non-negative integer in 'shape' at byte ", pos_);
      }
      dims.push_back(dim);
      if (!peek(')')) {
        expect(',');
      }
    }
    expect(')');
    return Shape(dims.begin(), dims.end());
  }

  void read_descr(NpyHeader& header) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '[') {
      fail("structured dtypes are not supported");
    }
    auto descr = string_value();
    // A byte order ('<', '>', '|', '=') then a kind and a size: "<f4", "|u1", "<V2" (bfloat16).
    if (descr.size() != 3 || std::string_view("<>|=").find(descr[0]) == std::string_view::npos) {
      fail("unsupported dtype '", printable(descr), "'");
    }
    try {
      header.dtype = dtype_from_array_protocol(descr.substr(1));
    } catch (const std::invalid_argument&) {
      fail("unsupported dtype '", printable(descr), "'");
    }
    if (size_of(header.dtype) != static_cast<size_t>(descr[2] - '0')) {
      fail("unsupported dtype '", printable(descr), "'");
    }
    header.big_endian = descr[0] == '>' && size_of(header.dtype) > 1;
  }

  std::string_view text_;
  size_t pos_ = 0;
  const std::string& label_;
  const char* op_;
};

} // namespace

NpyHeader parse_npy(const uint8_t* data, size_t size, const std::string& label, const char* op) {
  if (size < 8 || std::memcmp(data, magic, magic_size) != 0) {
    format_error(op, label, "not a .npy file (bad magic)");
  }
  uint8_t major = data[6];
  size_t length_size = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) {
    format_error(op, label, "unsupported .npy version ", int(major), ".", int(data[7]));
  }
  if (size < 8 + length_size) {
    format_error(op, label, "too short for a .npy header (", size, " bytes)");
  }
  uint32_t header_length = 0;
  std::memcpy(&header_length, data + 8, length_size);
  size_t header_start = 8 + length_size;
  if (header_length > max_header) {
    format_error(op, label, "header length ", header_length, " exceeds the limit of ", max_header,
                 " bytes");
  }
  if (header_length > size - header_start) {
    format_error(op, label, "header length ", header_length, " exceeds the file (", size,
                 " bytes)");
  }
  std::string_view text(reinterpret_cast<const char*>(data + header_start), header_length);
  auto header = DictLiteral(text, label, op).parse();
  auto dims = std::vector<uint64_t>(header.shape.begin(), header.shape.end());
  auto checked = check_shape(dims.data(), dims.size(), size_of(header.dtype));
  if (checked.problem) {
    format_error(op, label, "invalid shape: ", checked.problem);
  }
  header.data_offset = header_start + header_length;
  header.nbytes = checked.nbytes;
  uint64_t available = size - header.data_offset;
  if (available != header.nbytes) {
    format_error(op, label, "the array needs ", header.nbytes, " bytes of data but the file has ",
                 available);
  }
  return header;
}

std::string npy_header(const Shape& shape, Dtype dtype) {
  std::string tuple = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    tuple += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  tuple += shape.size() == 1 ? ",)" : ")";
  std::string dict = "{'descr': '" + dtype_to_array_protocol(dtype) +
                     "', 'fortran_order': False, 'shape': " + tuple + ", }";
  // numpy pads the whole preamble to a multiple of 64 bytes, ending the header with '\n', so the
  // data that follows is aligned. Version 1 stores the length in 2 bytes, version 2 in 4.
  auto padded = [&](size_t length_size) {
    size_t preamble = magic_size + 2 + length_size;
    return (preamble + dict.size() + 1 + 63) / 64 * 64 - preamble;
  };
  size_t length_size = padded(2) <= 65535 ? 2 : 4;
  uint32_t length = static_cast<uint32_t>(padded(length_size));
  dict.append(length - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(magic, magic_size);
  out += static_cast<char>(length_size == 2 ? 1 : 2);
  out += '\0';
  out.append(reinterpret_cast<const char*>(&length), length_size);
  return out + dict;
}

} // namespace mlx::core::io::detail
