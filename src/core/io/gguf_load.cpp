// load_gguf and inspect_gguf.
#include "mlx/io.h"

#include "core/io/errors.h"
#include "core/io/file_bytes.h"
#include "core/io/gguf_decode.h"
#include "core/io/gguf_format.h"
#include "core/io/gguf_quants.h"
#include "core/io/loaders.h"

namespace mlx::core {

namespace io::detail {

GGUFLoad load_gguf_bytes(const std::shared_ptr<FileBytes>& bytes, StreamOrDevice s,
                         const char* op) {
  auto file = parse_gguf(bytes->data(), bytes->size(), bytes->label(), op);
  // Unpacking reads host memory, so it runs on the CPU whatever stream is asked for; the
  // arrays live in host memory like those that view the file.
  auto stream = default_stream(Device::cpu);
  std::unordered_map<std::string, array> arrays;
  auto insert = [&](const std::string& name, array a) {
    if (!arrays.emplace(name, std::move(a)).second) {
      format_error(op, bytes->label(), "two tensors load as '", printable(name),
                   "' (a quantized tensor's scales or biases clash with another tensor)");
    }
  };
  for (const auto& t : file.tensors) {
    auto type = t.type->type;
    if (auto dtype = ggml_plain_dtype(type)) {
      insert(t.name, view_bytes(bytes, t.offset, t.shape, *dtype));
    } else if (affine_bits(type) != 0) {
      // "x.weight" keeps its name; its scales and biases become "x.scales" and "x.biases".
      const std::string suffix = ".weight";
      bool has_suffix = t.name.size() >= suffix.size() &&
                        t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0;
      auto base = has_suffix ? t.name.substr(0, t.name.size() - suffix.size()) : t.name;
      auto triple = gguf_affine_triple(bytes, t, stream);
      insert(t.name, triple[0]);
      insert(base + ".scales", triple[1]);
      insert(base + ".biases", triple[2]);
    } else if (is_k_quant(type)) {
      insert(t.name, gguf_dequantized(bytes, t, stream));
    } else {
      format_error(op, bytes->label(), "tensor '", printable(t.name), "' has ggml type ",
                   t.type->name, ", which cannot be loaded");
    }
  }
  std::unordered_map<std::string, GGUFMetaData> metadata(file.metadata.begin(),
                                                         file.metadata.end());
  return {std::move(arrays), std::move(metadata)};
}

} // namespace io::detail

GGUFLoad load_gguf(const std::string& file, StreamOrDevice s) {
  auto bytes = io::detail::FileBytes::map_file(file, "load_gguf");
  return io::detail::load_gguf_bytes(bytes, s, "load_gguf");
}

std::pair<std::vector<StoredTensor>, std::unordered_map<std::string, GGUFMetaData>>
inspect_gguf(const std::string& file) {
  auto bytes = io::detail::FileBytes::map_file(file, "inspect_gguf");
  auto parsed =
      io::detail::parse_gguf(bytes->data(), bytes->size(), bytes->label(), "inspect_gguf");
  std::vector<StoredTensor> tensors;
  for (auto& t : parsed.tensors) {
    tensors.push_back({std::move(t.name), t.type->name, std::move(t.shape), t.nbytes});
  }
  std::unordered_map<std::string, GGUFMetaData> metadata(parsed.metadata.begin(),
                                                         parsed.metadata.end());
  return {std::move(tensors), std::move(metadata)};
}

} // namespace mlx::core
