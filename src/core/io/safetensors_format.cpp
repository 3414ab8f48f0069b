#include "core/io/safetensors_format.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "core/io/checked.h"
#include "core/io/errors.h"

namespace mlx::core::io::detail {

namespace {

// Enough for any real tensor; a header asking for more is hostile.
constexpr size_t max_dims = 64;

struct TypeName {
  const char* name;
  Dtype dtype;
};

constexpr TypeName type_names[] = {
    {"BOOL", bool_},
    {"U8", uint8},
    {"I8", int8},
    {"U16", uint16},
    {"I16", int16},
    {"U32", uint32},
    {"I32", int32},
    {"U64", uint64},
    {"I64", int64},
    {"F16", float16},
    {"BF16", bfloat16},
    {"F32", float32},
    {"F64", float64},
    {"F8_E4M3", uint8},
    {"F8_E5M2", uint8},
    // Not yet in the spec; MLX writes complex64 this way.
    {"C64", complex64},
};

struct RawTensor {
  std::string name;
  std::optional<std::string> type;
  std::optional<std::vector<uint64_t>> shape;
  std::optional<std::vector<uint64_t>> offsets;
};

// Builds the header from nlohmann's SAX events, rejecting anything the format does not allow
// as soon as it appears, so a hostile header never grows a document in memory.
class HeaderReader {
public:
  using json = nlohmann::json;

  std::vector<RawTensor> tensors;
  std::unordered_map<std::string, std::string> metadata;
  std::string problem;

  bool null() { return unexpected("null"); }
  bool boolean(bool) { return unexpected("a boolean"); }
  bool number_integer(json::number_integer_t) { return unexpected("a negative number"); }
  bool number_float(json::number_float_t, const std::string&) {
    return unexpected("a non-integer number");
  }
  bool binary(json::binary_t&) { return unexpected("binary data"); }

  bool number_unsigned(json::number_unsigned_t value) {
    if (state_ == State::shape) {
      auto& shape = *tensors.back().shape;
      if (shape.size() == max_dims) {
        return fail("tensor '", printable(tensors.back().name), "' has more than ", max_dims,
                    " dimensions");
      }
      shape.push_back(value);
      return true;
    }
    if (state_ == State::offsets) {
      auto& offsets = *tensors.back().offsets;
      if (offsets.size() == 2) {
        return fail("tensor '", printable(tensors.back().name), "' has more than two data_offsets");
      }
      offsets.push_back(value);
      return true;
    }
    return unexpected("a number");
  }

  bool string(std::string& value) {
    if (state_ == State::metadata) {
      metadata[key_] = std::move(value);
      return true;
    }
    if (state_ == State::tensor && key_ == "dtype") {
      tensors.back().type = std::move(value);
      return true;
    }
    return unexpected("a string");
  }

  bool start_object(std::size_t) {
    if (state_ == State::start) {
      state_ = State::top;
      return true;
    }
    if (state_ == State::top) {
      if (key_ == "__metadata__") {
        if (seen_metadata_) {
          return fail("duplicate __metadata__");
        }
        seen_metadata_ = true;
        state_ = State::metadata;
      } else {
        tensors.push_back({key_, {}, {}, {}});
        state_ = State::tensor;
      }
      return true;
    }
    return unexpected("an object");
  }

  bool key(std::string& value) {
    if (state_ == State::top) {
      if (value != "__metadata__" && !names_.insert(value).second) {
        return fail("duplicate tensor '", printable(value), "'");
      }
    } else if (state_ == State::metadata) {
      if (metadata.count(value) != 0) {
        return fail("duplicate metadata key '", printable(value), "'");
      }
    } else if (state_ == State::tensor) {
      auto& t = tensors.back();
      bool known = value == "dtype" || value == "shape" || value == "data_offsets";
      if (!known) {
        return fail("tensor '", printable(t.name), "' has unknown field '", printable(value), "'");
      }
      if ((value == "dtype" && t.type) || (value == "shape" && t.shape) ||
          (value == "data_offsets" && t.offsets)) {
        return fail("tensor '", printable(t.name), "' repeats '", value, "'");
      }
    } else {
      return unexpected("a key");
    }
    key_ = std::move(value);
    return true;
  }

  bool end_object() {
    if (state_ == State::metadata) {
      state_ = State::top;
      return true;
    }
    if (state_ == State::tensor) {
      auto& t = tensors.back();
      if (!t.type || !t.shape || !t.offsets) {
        return fail("tensor '", printable(t.name), "' lacks ",
                    !t.type ? "dtype" : (!t.shape ? "shape" : "data_offsets"));
      }
      if (t.offsets->size() != 2) {
        return fail("tensor '", printable(t.name), "' needs two data_offsets");
      }
      state_ = State::top;
      return true;
    }
    state_ = State::done; // the top-level object
    return true;
  }

  bool start_array(std::size_t) {
    if (state_ == State::tensor && key_ == "shape") {
      tensors.back().shape.emplace();
      state_ = State::shape;
      return true;
    }
    if (state_ == State::tensor && key_ == "data_offsets") {
      tensors.back().offsets.emplace();
      state_ = State::offsets;
      return true;
    }
    return unexpected("an array");
  }

  bool end_array() {
    state_ = State::tensor;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1, ...".
    std::string what = e.what();
    auto bracket = what.find("] ");
    // It quotes the bytes it choked on, which may be anything.
    problem = "invalid JSON: " +
              printable(bracket == std::string::npos ? what : what.substr(bracket + 2), 400);
    return false;
  }

private:
  enum class State { start, top, metadata, tensor, shape, offsets, done };

  template <typename... Parts>
  bool fail(const Parts&... parts) {
    problem = concat(parts...);
    return false;
  }

  bool unexpected(const char* what) {
    switch (state_) {
    case State::start:
      return fail("the header is not a JSON object");
    case State::top:
      return fail("entry '", printable(key_), "' is ", what, ", not an object");
    case State::metadata:
      return fail("metadata '", printable(key_), "' is ", what, ", not a string");
    case State::shape:
    case State::offsets:
      return fail("tensor '", printable(tensors.back().name), "' has ", what, " in its ",
                  state_ == State::shape ? "shape" : "data_offsets");
    default:
      return fail("tensor '", printable(tensors.back().name), "' has ", what, " for '",
                  printable(key_), "'");
    }
  }

  State state_ = State::start;
  std::string key_;
  bool seen_metadata_ = false;
  std::unordered_set<std::string> names_;
};

} // namespace

std::optional<std::string> safetensors_type_name(Dtype dtype) {
  for (const auto& t : type_names) {
    // uint8 is "U8": the 8-bit float names map to it only when loading.
    if (t.dtype == dtype && std::strncmp(t.name, "F8", 2) != 0) {
      return t.name;
    }
  }
  return std::nullopt;
}

SafetensorsHeader parse_safetensors(const uint8_t* data, size_t size, const std::string& label,
                                    const char* op) {
  if (size < 8) {
    format_error(op, label, "too short for a safetensors header (", size, " bytes)");
  }
  uint64_t header_length;
  std::memcpy(&header_length, data, 8);
  if (header_length > max_safetensors_header) {
    format_error(op, label, "header length ", header_length, " exceeds the limit of ",
                 max_safetensors_header, " bytes");
  }
  if (header_length > size - 8) {
    format_error(op, label, "header length ", header_length, " exceeds the file (", size,
                 " bytes)");
  }
  const char* json_begin = reinterpret_cast<const char*>(data + 8);
  // nlohmann's lexer takes a NUL byte for the end of its input; JSON never contains one.
  if (std::memchr(json_begin, '\0', header_length) != nullptr) {
    format_error(op, label, "invalid JSON: the header contains a NUL byte");
  }
  HeaderReader reader;
  bool parsed = nlohmann::json::sax_parse(json_begin, json_begin + header_length, &reader);
  if (!parsed) {
    format_error(op, label, reader.problem.empty() ? "invalid JSON header" : reader.problem);
  }

  SafetensorsHeader header;
  header.metadata = std::move(reader.metadata);
  uint64_t data_start = 8 + header_length;
  uint64_t data_size = size - data_start;
  for (auto& raw : reader.tensors) {
    auto name = printable(raw.name);
    auto type = std::find_if(std::begin(type_names), std::end(type_names),
                             [&](const TypeName& t) { return *raw.type == t.name; });
    if (type == std::end(type_names)) {
      format_error(op, label, "tensor '", name, "' has unsupported dtype '", printable(*raw.type),
                   "'");
    }
    auto checked = check_shape(raw.shape->data(), raw.shape->size(), size_of(type->dtype));
    if (checked.problem) {
      format_error(op, label, "tensor '", name, "' has an invalid shape: ", checked.problem);
    }
    uint64_t begin = (*raw.offsets)[0];
    uint64_t end = (*raw.offsets)[1];
    if (end < begin) {
      format_error(op, label, "tensor '", name, "' has data_offsets [", begin, ", ", end,
                   "] that end before they begin");
    }
    if (end > data_size) {
      format_error(op, label, "tensor '", name, "' has data_offsets [", begin, ", ", end,
                   "] beyond the data section (", data_size, " bytes)");
    }
    if (end - begin != checked.nbytes) {
      format_error(op, label, "tensor '", name, "' of dtype ", type->name, " and ",
                   checked.elements, " elements needs ", checked.nbytes,
                   " bytes, but its data_offsets span ", end - begin);
    }
    header.tensors.push_back({std::move(raw.name), type->name, type->dtype,
                              std::move(checked.shape), data_start + begin, checked.nbytes});
  }

  // The data section must be covered exactly: sorted by offset, each tensor starts where the
  // previous one ended, and the last ends with the file.
  std::stable_sort(header.tensors.begin(), header.tensors.end(), [](const auto& a, const auto& b) {
    // Empty tensors first, so one sharing an offset with a full one fits.
    return a.offset < b.offset || (a.offset == b.offset && a.nbytes < b.nbytes);
  });
  uint64_t expected = data_start;
  const SafetensorsTensor* previous = nullptr;
  for (const auto& t : header.tensors) {
    if (t.offset < expected) {
      format_error(op, label, "tensors '", printable(previous->name), "' and '", printable(t.name),
                   "' overlap");
    }
    if (t.offset > expected) {
      format_error(op, label, t.offset - expected, " bytes before tensor '", printable(t.name),
                   "' belong to no tensor");
    }
    expected = t.offset + t.nbytes;
    previous = &t;
  }
  if (expected != size) {
    format_error(op, label, size - expected, " bytes after the last tensor belong to no tensor");
  }
  return header;
}

} // namespace mlx::core::io::detail
