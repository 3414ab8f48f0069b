#include "core/io/gguf_format.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "core/io/checked.h"
#include "core/io/errors.h"

namespace mlx::core::io::detail {

namespace {

// A tensor info takes at least a name length, a dimension count, a type and an offset; a
// metadata pair at least a key length, a type and one byte of value. Counts beyond what the
// file could hold are rejected before any allocation.
constexpr uint64_t min_tensor_info_size = 8 + 4 + 4 + 8;
constexpr uint64_t min_metadata_size = 8 + 4 + 1;

class Parser {
public:
  Parser(const uint8_t* data, size_t size, const std::string& label, const char* op)
      : data_(data), size_(size), label_(label), op_(op) {}

  GgufFile parse() {
    if (size_ < 24) {
      fail("too short for a GGUF header (", size_, " bytes)");
    }
    if (std::memcmp(data_, "GGUF", 4) != 0) {
      fail("not a GGUF file (bad magic)");
    }
    pos_ = 4;
    GgufFile file;
    file.version = read<uint32_t>();
    if (file.version == 1) {
      fail("GGUF version 1 is not supported");
    }
    if (file.version > 0xffff) {
      fail("big-endian GGUF files are not supported");
    }
    if (file.version > 3) {
      fail("unsupported GGUF version ", file.version);
    }
    uint64_t tensor_count = read<uint64_t>();
    uint64_t metadata_count = read<uint64_t>();
    if (metadata_count > remaining() / min_metadata_size) {
      fail("metadata count ", metadata_count, " cannot fit in the file");
    }
    if (tensor_count > remaining() / min_tensor_info_size) {
      fail("tensor count ", tensor_count, " cannot fit in the file");
    }

    file.alignment = gguf_default_alignment;
    std::unordered_set<std::string> keys;
    for (uint64_t i = 0; i < metadata_count; ++i) {
      auto key = read_string("a metadata key");
      if (!is_valid_utf8(key)) {
        fail("metadata key '", printable(key), "' is not valid UTF-8");
      }
      if (!keys.insert(key).second) {
        fail("duplicate metadata key '", printable(key), "'");
      }
      uint32_t type = read<uint32_t>();
      if (key == "general.alignment") {
        file.alignment = read_alignment(type);
      }
      file.metadata.emplace_back(key, read_value(type, key));
    }

    std::unordered_set<std::string> names;
    for (uint64_t i = 0; i < tensor_count; ++i) {
      file.tensors.push_back(read_tensor_info(file.alignment));
      if (!names.insert(file.tensors.back().name).second) {
        fail("duplicate tensor '", printable(file.tensors.back().name), "'");
      }
    }
    place_tensors(file);
    return file;
  }

private:
  template <typename... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    format_error(op_, label_, parts...);
  }

  uint64_t remaining() const { return size_ - pos_; }

  void need(uint64_t n, const char* what) const {
    if (n > remaining()) {
      fail("truncated: ", what, " at byte ", pos_, " needs ", n, " bytes, ", remaining(), " left");
    }
  }

  template <typename T>
  T read(const char* what = "a header field") {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  std::string read_string(const char* what) {
    uint64_t length = read<uint64_t>(what);
    need(length, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), length);
    pos_ += length;
    return s;
  }

  uint64_t read_alignment(uint32_t type) const {
    uint32_t alignment = 0;
    if (type == static_cast<uint32_t>(GgufValueType::UINT32) && remaining() >= 4) {
      std::memcpy(&alignment, data_ + pos_, 4);
    }
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      fail("general.alignment must be a uint32 power of two");
    }
    return alignment;
  }

  // `n` values of a fixed-size type as a 1-d array (0-d when `scalar`), copied out of the file.
  array read_numbers(uint32_t type, uint64_t n, bool scalar, const std::string& key) {
    size_t size = gguf_value_size(type);
    auto bytes = checked_mul(n, size);
    if (!bytes || *bytes > remaining()) {
      fail("truncated: metadata '", printable(key), "' needs ", n, " values of ", size, " bytes, ",
           remaining(), " bytes left");
    }
    if (n > static_cast<uint64_t>(std::numeric_limits<ShapeElem>::max())) {
      fail("metadata '", printable(key), "' has more than 2^31 - 1 values");
    }
    Shape shape = scalar ? Shape{} : Shape{static_cast<ShapeElem>(n)};
    const uint8_t* src = data_ + pos_;
    pos_ += *bytes;
    auto copy = [&](Dtype dtype) {
      auto buffer = allocator::malloc(*bytes);
      std::memcpy(buffer.raw_ptr(), src, *bytes);
      return array(buffer, shape, dtype);
    };
    switch (static_cast<GgufValueType>(type)) {
    case GgufValueType::UINT8:
      return copy(uint8);
    case GgufValueType::INT8:
      return copy(int8);
    case GgufValueType::UINT16:
      return copy(uint16);
    case GgufValueType::INT16:
      return copy(int16);
    case GgufValueType::UINT32:
      return copy(uint32);
    case GgufValueType::INT32:
      return copy(int32);
    case GgufValueType::UINT64:
      return copy(uint64);
    case GgufValueType::INT64:
      return copy(int64);
    case GgufValueType::FLOAT32:
      return copy(float32);
    case GgufValueType::BOOL: {
      for (uint64_t i = 0; i < n; ++i) {
        if (src[i] > 1) {
          fail("metadata '", printable(key), "' has an invalid boolean (", int(src[i]), ")");
        }
      }
      return copy(bool_);
    }
    default: { // FLOAT64: float32, as MLX
      auto buffer = allocator::malloc(n * sizeof(float));
      auto* out = static_cast<float*>(buffer.raw_ptr());
      for (uint64_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, src + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      return array(buffer, shape, float32);
    }
    }
  }

  GGUFMetaData read_value(uint32_t type, const std::string& key) {
    if (type == static_cast<uint32_t>(GgufValueType::STRING)) {
      return read_string("a metadata string");
    }
    if (type != static_cast<uint32_t>(GgufValueType::ARRAY)) {
      if (gguf_value_size(type) == 0) {
        fail("metadata '", printable(key), "' has unknown value type ", type);
      }
      return read_numbers(type, 1, true, key);
    }
    uint32_t element_type = read<uint32_t>("an array type");
    uint64_t n = read<uint64_t>("an array length");
    if (element_type == static_cast<uint32_t>(GgufValueType::STRING)) {
      if (n > remaining() / 8) {
        fail("truncated: metadata '", printable(key), "' claims ", n, " strings, ", remaining(),
             " bytes left");
      }
      std::vector<std::string> strings;
      for (uint64_t i = 0; i < n; ++i) {
        strings.push_back(read_string("a metadata string"));
      }
      return strings;
    }
    if (element_type == static_cast<uint32_t>(GgufValueType::ARRAY)) {
      fail("metadata '", printable(key), "' is a nested array, which is not supported");
    }
    if (gguf_value_size(element_type) == 0) {
      fail("metadata '", printable(key), "' has unknown array type ", element_type);
    }
    return read_numbers(element_type, n, false, key);
  }

  GgufTensorInfo read_tensor_info(uint64_t alignment) {
    GgufTensorInfo info;
    info.name = read_string("a tensor name");
    auto name = printable(info.name);
    if (!is_valid_utf8(info.name)) {
      fail("tensor name '", name, "' is not valid UTF-8");
    }
    uint32_t ndim = read<uint32_t>("a dimension count");
    if (ndim > gguf_max_dims) {
      fail("tensor '", name, "' has ", ndim, " dimensions (at most ", gguf_max_dims, ")");
    }
    uint64_t dims[gguf_max_dims];
    for (uint32_t d = 0; d < ndim; ++d) {
      dims[d] = read<uint64_t>("a dimension");
    }
    uint32_t type = read<uint32_t>("a tensor type");
    uint64_t offset = read<uint64_t>("a tensor offset");
    info.type = ggml_type_traits(type);
    if (info.type == nullptr) {
      fail("tensor '", name, "' has unknown ggml type ", type);
    }
    auto checked = check_shape(dims, ndim, 1);
    if (checked.problem) {
      fail("tensor '", name, "' has invalid dimensions: ", checked.problem);
    }
    uint64_t ne0 = ndim > 0 ? dims[0] : 1;
    if (ne0 % info.type->block_size != 0) {
      fail("tensor '", name, "' has a first dimension of ", ne0, ", not a multiple of the ",
           info.type->name, " block size ", info.type->block_size);
    }
    auto nbytes = checked_mul(checked.elements / info.type->block_size, info.type->type_size);
    if (!nbytes) {
      fail("tensor '", name, "' has a byte size that overflows 64 bits");
    }
    info.nbytes = *nbytes;
    if (offset % alignment != 0) {
      fail("tensor '", name, "' has offset ", offset, ", not a multiple of the alignment ",
           alignment);
    }
    info.offset = offset; // relative until place_tensors
    info.shape.assign(checked.shape.rbegin(), checked.shape.rend());
    return info;
  }

  // Moves the offsets to the start of the file, checking each tensor lies inside it and that
  // no two share bytes (arrays view them in place).
  void place_tensors(GgufFile& file) {
    if (file.tensors.empty()) {
      return;
    }
    auto data_start = checked_add(pos_, file.alignment - 1);
    uint64_t start = data_start ? *data_start / file.alignment * file.alignment : UINT64_MAX;
    if (start > size_) {
      fail("truncated: the data section would start at byte ", start, " of ", size_);
    }
    for (auto& t : file.tensors) {
      auto begin = checked_add(start, t.offset);
      auto end = begin ? checked_add(*begin, t.nbytes) : std::nullopt;
      if (!end || *end > size_) {
        fail("tensor '", printable(t.name), "' (", t.nbytes, " bytes at data offset ", t.offset,
             ") lies outside the file (", size_, " bytes)");
      }
      t.offset = *begin;
    }
    std::vector<const GgufTensorInfo*> order;
    for (const auto& t : file.tensors) {
      if (t.nbytes > 0) {
        order.push_back(&t);
      }
    }
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < order.size(); ++i) {
      if (order[i - 1]->offset + order[i - 1]->nbytes > order[i]->offset) {
        fail("tensors '", printable(order[i - 1]->name), "' and '", printable(order[i]->name),
             "' overlap");
      }
    }
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& label_;
  const char* op_;
};

} // namespace

GgufFile parse_gguf(const uint8_t* data, size_t size, const std::string& label, const char* op) {
  return Parser(data, size, label, op).parse();
}

} // namespace mlx::core::io::detail
