// load_safetensors, save_safetensors and inspect_safetensors.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "mlx/io.h"
#include "mlx/ops.h"
#include "mlx/transforms.h"

#include "core/io/errors.h"
#include "core/io/file_bytes.h"
#include "core/io/loaders.h"
#include "core/io/safetensors_format.h"
#include "core/io/saving.h"

namespace mlx::core {

namespace io::detail {

SafetensorsLoad load_safetensors_bytes(const std::shared_ptr<FileBytes>& bytes, const char* op) {
  auto header = parse_safetensors(bytes->data(), bytes->size(), bytes->label(), op);
  std::unordered_map<std::string, array> arrays;
  for (auto& t : header.tensors) {
    arrays.emplace(t.name, view_bytes(bytes, t.offset, t.shape, t.dtype));
  }
  return {std::move(arrays), std::move(header.metadata)};
}

namespace {

struct Entry {
  std::string name;
  std::string type;
  array data;
};

// Checks dtypes and evaluates every array before anything is written, so a bad argument
// never leaves a partial file.
std::vector<Entry> prepare(std::unordered_map<std::string, array>& arrays) {
  std::vector<Entry> entries;
  for (auto& [name, a] : arrays) {
    if (name == "__metadata__") {
      throw std::invalid_argument("[save_safetensors] '__metadata__' is reserved, not a name.");
    }
    auto type = safetensors_type_name(a.dtype());
    if (!type) {
      throw std::invalid_argument(
          concat("[save_safetensors] Unsupported dtype ", a.dtype(), " for array '", name, "'."));
    }
    entries.push_back({name, *type, a});
  }
  std::vector<array> to_eval;
  for (auto& e : entries) {
    e.data = contiguous(e.data);
    to_eval.push_back(e.data);
  }
  eval(to_eval);
  // Larger elements first, then by name: every tensor starts aligned for its dtype (the data
  // section starts 8-aligned), and the same arrays always make the same file.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.data.itemsize() != b.data.itemsize()) {
      return a.data.itemsize() > b.data.itemsize();
    }
    return a.name < b.name;
  });
  return entries;
}

void write_safetensors(Writer& out, const std::vector<Entry>& entries,
                       const std::unordered_map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    std::map<std::string, std::string> sorted(metadata.begin(), metadata.end());
    header["__metadata__"] = sorted;
  }
  uint64_t offset = 0;
  for (const auto& e : entries) {
    header[e.name] = {{"dtype", e.type},
                      {"shape", e.data.shape()},
                      {"data_offsets", {offset, offset + e.data.nbytes()}}};
    offset += e.data.nbytes();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error&) {
    throw std::invalid_argument("[save_safetensors] Names and metadata must be valid UTF-8.");
  }
  // Spaces pad the header so the data section starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  uint64_t length = text.size();
  out.write(reinterpret_cast<const char*>(&length), 8);
  out.write(text.data(), text.size());
  for (const auto& e : entries) {
    out.write(e.data.data<char>(), e.data.nbytes());
  }
}

} // namespace

} // namespace io::detail

SafetensorsLoad load_safetensors(std::shared_ptr<io::Reader> in_stream, StreamOrDevice s) {
  auto bytes = io::detail::FileBytes::read_stream(*in_stream, "load_safetensors");
  return io::detail::load_safetensors_bytes(bytes, "load_safetensors");
}

SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice s) {
  auto bytes = io::detail::FileBytes::map_file(file, "load_safetensors");
  return io::detail::load_safetensors_bytes(bytes, "load_safetensors");
}

void save_safetensors(std::shared_ptr<io::Writer> out_stream,
                      std::unordered_map<std::string, array> a,
                      std::unordered_map<std::string, std::string> metadata) {
  if (!out_stream->good() || !out_stream->is_open()) {
    throw std::runtime_error("[save_safetensors] Failed to open " + out_stream->label());
  }
  auto entries = io::detail::prepare(a);
  io::detail::write_safetensors(*out_stream, entries, metadata);
}

void save_safetensors(std::string file, std::unordered_map<std::string, array> a,
                      std::unordered_map<std::string, std::string> metadata) {
  file = io::detail::with_extension(std::move(file), ".safetensors");
  auto entries = io::detail::prepare(a);
  io::detail::write_file_atomically(file, "save_safetensors", [&](io::Writer& out) {
    io::detail::write_safetensors(out, entries, metadata);
  });
}

std::pair<std::vector<StoredTensor>, std::unordered_map<std::string, std::string>>
inspect_safetensors(const std::string& file) {
  auto bytes = io::detail::FileBytes::map_file(file, "inspect_safetensors");
  auto header = io::detail::parse_safetensors(bytes->data(), bytes->size(), bytes->label(),
                                              "inspect_safetensors");
  std::vector<StoredTensor> tensors;
  for (auto& t : header.tensors) {
    tensors.push_back({std::move(t.name), std::move(t.type), std::move(t.shape), t.nbytes});
  }
  return {std::move(tensors), std::move(header.metadata)};
}

} // namespace mlx::core
