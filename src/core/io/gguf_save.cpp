// save_gguf and save_gguf_quantized.
#include <algorithm>
#include <cstring>
#include <map>

#include "mlx/io.h"

#include "core/io/errors.h"
#include "core/io/gguf_format.h"
#include "core/io/gguf_quants.h"
#include "core/io/saving.h"

namespace mlx::core {

namespace io::detail {

namespace {

[[noreturn]] void bad_argument(const char* op, const std::string& message) {
  throw std::invalid_argument(concat("[", op, "] ", message));
}

template <typename T>
void append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void append_string(std::string& out, const std::string& s) {
  append<uint64_t>(out, s.size());
  out += s;
}

std::optional<GgufValueType> value_type_of(Dtype dtype) {
  switch (dtype) {
  case Dtype::Val::bool_:
    return GgufValueType::BOOL;
  case Dtype::Val::uint8:
    return GgufValueType::UINT8;
  case Dtype::Val::int8:
    return GgufValueType::INT8;
  case Dtype::Val::uint16:
    return GgufValueType::UINT16;
  case Dtype::Val::int16:
    return GgufValueType::INT16;
  case Dtype::Val::uint32:
    return GgufValueType::UINT32;
  case Dtype::Val::int32:
    return GgufValueType::INT32;
  case Dtype::Val::uint64:
    return GgufValueType::UINT64;
  case Dtype::Val::int64:
    return GgufValueType::INT64;
  case Dtype::Val::float32:
    return GgufValueType::FLOAT32;
  case Dtype::Val::float64:
    return GgufValueType::FLOAT64;
  default:
    return std::nullopt;
  }
}

// One metadata pair, serialized after its key; `alignment` picks up general.alignment.
void append_value(std::string& out, const std::string& key, const GGUFMetaData& value,
                  const char* op, uint64_t& alignment) {
  if (auto s = std::get_if<std::string>(&value)) {
    append<uint32_t>(out, static_cast<uint32_t>(GgufValueType::STRING));
    append_string(out, *s);
  } else if (auto list = std::get_if<std::vector<std::string>>(&value)) {
    append<uint32_t>(out, static_cast<uint32_t>(GgufValueType::ARRAY));
    append<uint32_t>(out, static_cast<uint32_t>(GgufValueType::STRING));
    append<uint64_t>(out, list->size());
    for (const auto& s : *list) {
      append_string(out, s);
    }
  } else if (auto a = std::get_if<array>(&value)) {
    auto type = value_type_of(a->dtype());
    if (!type || a->ndim() > 1) {
      bad_argument(op, concat("Metadata '", key, "' must be a 0-d or 1-d array of bool, integer, ",
                              "float32 or float64 type."));
    }
    auto data = row_major(*a);
    if (key == "general.alignment") {
      uint32_t v = data.dtype() == uint32 && data.ndim() == 0 ? data.item<uint32_t>() : 0;
      if (v == 0 || (v & (v - 1)) != 0) {
        bad_argument(op, "general.alignment must be a 0-d uint32 power of two.");
      }
      alignment = v;
    }
    if (data.ndim() == 1) {
      append<uint32_t>(out, static_cast<uint32_t>(GgufValueType::ARRAY));
      append<uint32_t>(out, static_cast<uint32_t>(*type));
      append<uint64_t>(out, data.size());
    } else {
      append<uint32_t>(out, static_cast<uint32_t>(*type));
    }
    out.append(data.data<char>(), data.nbytes());
  } else {
    bad_argument(op, concat("Metadata '", key, "' has no value."));
  }
}

struct Tensor {
  std::string name;
  GgmlType type;
  Shape shape;
  const char* data;
  uint64_t nbytes;
};

// An affine triple packed into ggml blocks, checking it has an exact ggml form.
std::vector<uint8_t> pack_quantized(const std::string& name, const GGUFQuantized& q, const char* op,
                                    GgmlType& type, std::vector<array>& keep) {
  auto fail = [&](const std::string& why) {
    bad_argument(op, concat("Quantized tensor '", name, "' ", why));
  };
  if (q.group_size != gguf_group_size || (q.bits != 4 && q.bits != 5 && q.bits != 8)) {
    fail("needs group size 32 and 4, 5 or 8 bits to be stored exactly in GGUF.");
  }
  if (q.weight.dtype() != uint32 || q.scales.dtype() != float16 || q.biases.dtype() != float16) {
    fail("needs a uint32 weight and float16 scales and biases.");
  }
  const auto& s = q.scales.shape();
  if (s.empty() || s.size() > gguf_max_dims || q.biases.shape() != s ||
      q.weight.ndim() != s.size() ||
      !std::equal(s.begin(), s.end() - 1, q.weight.shape().begin()) ||
      static_cast<int64_t>(q.weight.shape().back()) != int64_t{s.back()} * q.bits) {
    fail("has inconsistent weight, scales and biases shapes.");
  }
  auto weight = row_major(q.weight);
  auto scales = row_major(q.scales);
  auto biases = row_major(q.biases);
  keep = {weight, scales, biases};
  const auto* sc = scales.data<float16_t>();
  const auto* bi = biases.data<float16_t>();
  size_t n_blocks = scales.size();
  auto all_biases_are = [&](float factor) {
    for (size_t b = 0; b < n_blocks; ++b) {
      if (static_cast<float>(bi[b]) != factor * static_cast<float>(sc[b])) {
        return false;
      }
    }
    return true;
  };
  if (q.bits == 4) {
    type = all_biases_are(-8.0f) ? GgmlType::Q4_0 : GgmlType::Q4_1;
  } else if (q.bits == 5) {
    type = all_biases_are(-16.0f) ? GgmlType::Q5_0 : GgmlType::Q5_1;
  } else if (all_biases_are(-128.0f)) {
    type = GgmlType::Q8_0;
  } else {
    fail("has 8 bits but biases other than -128 * scale, which Q8_0 cannot store.");
  }
  size_t block_bytes = ggml_type_traits(type).type_size;
  std::vector<uint8_t> blocks(n_blocks * block_bytes);
  const auto* words = weight.data<uint32_t>();
  for (size_t b = 0; b < n_blocks; ++b) {
    pack_block(type, words + b * q.bits, sc[b], bi[b], blocks.data() + b * block_bytes);
  }
  return blocks;
}

void save_gguf_file(std::string file, std::unordered_map<std::string, array> arrays,
                    const std::unordered_map<std::string, GGUFQuantized>& quantized,
                    const std::unordered_map<std::string, GGUFMetaData>& metadata, const char* op) {
  file = with_extension(std::move(file), ".gguf");
  uint64_t alignment = gguf_default_alignment;
  std::string kv;
  std::map<std::string, const GGUFMetaData*> sorted_metadata;
  for (const auto& [key, value] : metadata) {
    sorted_metadata.emplace(key, &value);
  }
  for (const auto& [key, value] : sorted_metadata) {
    append_string(kv, key);
    append_value(kv, key, *value, op, alignment);
  }

  std::vector<Tensor> tensors;
  std::vector<array> keep; // the evaluated arrays whose data is written
  for (auto& [name, a] : arrays) {
    auto type = ggml_type_of(a.dtype());
    if (!type) {
      bad_argument(op, concat("Unsupported dtype ", a.dtype(), " for tensor '", name, "'."));
    }
    if (a.ndim() > gguf_max_dims) {
      bad_argument(op, concat("Tensor '", name, "' has more than ", gguf_max_dims, " dims."));
    }
    keep.push_back(row_major(a));
    tensors.push_back({name, *type, a.shape(), keep.back().data<char>(), keep.back().nbytes()});
  }
  std::vector<std::vector<uint8_t>> packed;
  packed.reserve(quantized.size());
  for (const auto& [name, q] : quantized) {
    if (arrays.count(name) != 0) {
      bad_argument(op, concat("Tensor '", name, "' is given twice."));
    }
    GgmlType type;
    std::vector<array> triple;
    packed.push_back(pack_quantized(name, q, op, type, triple));
    keep.insert(keep.end(), triple.begin(), triple.end());
    Shape shape = q.scales.shape();
    shape.back() *= gguf_group_size;
    tensors.push_back({name, type, shape, reinterpret_cast<const char*>(packed.back().data()),
                       packed.back().size()});
  }
  std::sort(tensors.begin(), tensors.end(),
            [](const Tensor& a, const Tensor& b) { return a.name < b.name; });

  auto padding = [&](uint64_t n) { return (alignment - n % alignment) % alignment; };
  std::string header = "GGUF";
  append<uint32_t>(header, 3);
  append<uint64_t>(header, tensors.size());
  append<uint64_t>(header, metadata.size());
  header += kv;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    append_string(header, t.name);
    append<uint32_t>(header, static_cast<uint32_t>(t.shape.size()));
    for (auto dim = t.shape.rbegin(); dim != t.shape.rend(); ++dim) {
      append<uint64_t>(header, static_cast<uint64_t>(*dim));
    }
    append<uint32_t>(header, static_cast<uint32_t>(t.type));
    append<uint64_t>(header, offset);
    offset += t.nbytes + padding(t.nbytes);
  }
  header.append(padding(header.size()), '\0');

  write_file_atomically(file, op, [&](Writer& out) {
    out.write(header.data(), header.size());
    std::string zeros(alignment, '\0');
    for (const auto& t : tensors) {
      out.write(t.data, t.nbytes);
      out.write(zeros.data(), padding(t.nbytes));
    }
  });
}

} // namespace

} // namespace io::detail

void save_gguf(std::string file, std::unordered_map<std::string, array> array_map,
               std::unordered_map<std::string, GGUFMetaData> meta_data) {
  io::detail::save_gguf_file(std::move(file), std::move(array_map), {}, meta_data, "save_gguf");
}

void save_gguf_quantized(std::string file, std::unordered_map<std::string, array> array_map,
                         std::unordered_map<std::string, GGUFQuantized> quantized,
                         std::unordered_map<std::string, GGUFMetaData> meta_data) {
  io::detail::save_gguf_file(std::move(file), std::move(array_map), quantized, meta_data,
                             "save_gguf_quantized");
}

} // namespace mlx::core
