// load_weights: the tensors of a checkpoint, with their quantization layouts.
#include "mlxcpp/io/weights.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "mlx/ops.h"

#include "io/weight_files.h"

namespace mlxcpp::io {

namespace fs = std::filesystem;
namespace mx = mlx::core;

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw std::runtime_error("[load_weights] " + detail::quoted(path) + ": " + problem);
}

bool has_suffix(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The name prefix of a packed weight's scales and biases: "x.weight" -> "x".
std::string module_of(const std::string& weight) {
  return has_suffix(weight, ".weight") ? weight.substr(0, weight.size() - 7) : weight;
}

void add_tensors(Weights& weights, std::unordered_map<std::string, mx::array> tensors,
                 const fs::path& file) {
  for (auto& [name, a] : tensors) {
    if (!weights.tensors.emplace(name, std::move(a)).second) {
      fail(file, "tensor '" + name + "' is also in an earlier file");
    }
  }
}

// GGUF unpacks Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 into triples of group size 32; a triple's weight has
// `bits` words per group.
void find_gguf_quantized(Weights& weights) {
  for (const auto& [name, a] : weights.tensors) {
    auto scales = weights.tensors.find(module_of(name) + ".scales");
    if (a.dtype() != mx::uint32 || scales == weights.tensors.end() || a.ndim() == 0 ||
        scales->second.ndim() != a.ndim() || scales->second.shape(-1) == 0) {
      continue;
    }
    weights.quantized[name] = {32, a.shape(-1) / scales->second.shape(-1)};
  }
}

// mlx-lm's config.json: "quantization": {"group_size": 64, "bits": 4, "<module>": {...} or
// false, ...}, where a module entry overrides the default for that layer.
void find_config_quantized(Weights& weights, const fs::path& config_path) {
  std::ifstream in(config_path, std::ios::binary);
  if (!in) {
    return;
  }
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(config_path, std::string("invalid JSON: ") + e.what());
  }
  if (!config.is_object() || !config.contains("quantization")) {
    return;
  }
  const auto& q = config["quantization"];
  auto spec_of = [&](const nlohmann::json& j, const std::string& what) {
    if (!j.is_object() || !j.contains("group_size") || !j.contains("bits") ||
        !j["group_size"].is_number_integer() || !j["bits"].is_number_integer()) {
      fail(config_path, what + " needs integer \"group_size\" and \"bits\"");
    }
    return QuantizationSpec{j["group_size"].get<int>(), j["bits"].get<int>()};
  };
  auto global = spec_of(q, "\"quantization\"");
  for (const auto& [name, a] : weights.tensors) {
    auto module = module_of(name);
    if (a.dtype() != mx::uint32 || !weights.contains(module + ".scales")) {
      continue;
    }
    if (q.contains(module)) {
      const auto& entry = q[module];
      if (entry.is_boolean()) {
        if (entry.get<bool>()) {
          weights.quantized[name] = global;
        }
        continue;
      }
      weights.quantized[name] = spec_of(entry, "\"quantization\".\"" + module + "\"");
    } else {
      weights.quantized[name] = global;
    }
  }
}

void load_file(Weights& weights, const fs::path& file) {
  auto extension = file.extension();
  if (extension == ".safetensors") {
    auto [tensors, metadata] = mx::load_safetensors(file.string());
    add_tensors(weights, std::move(tensors), file);
    weights.metadata.merge(metadata);
  } else if (extension == ".gguf") {
    auto [tensors, metadata] = mx::load_gguf(file.string());
    add_tensors(weights, std::move(tensors), file);
    weights.gguf_metadata = std::move(metadata);
  } else if (extension == ".npz") {
    add_tensors(weights, mx::load_npz(file.string()), file);
  } else {
    fail(file, "not a .safetensors, .gguf or .npz file");
  }
  weights.files.push_back(file);
}

} // namespace

const mx::array& Weights::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) {
    std::string from = files.empty() ? "" : " in " + detail::quoted(files.front().parent_path());
    throw std::out_of_range("[Weights] No tensor '" + name + "'" + from + ".");
  }
  return it->second;
}

Weights load_weights(const fs::path& path, const LoadOptions& options) {
  Weights weights;
  bool gguf = false;
  for (const auto& file : weight_files(path)) {
    load_file(weights, file);
    gguf |= file.extension() == ".gguf";
  }
  std::error_code error;
  bool directory = fs::is_directory(path, error);
  auto index = path / "model.safetensors.index.json";
  if (directory && fs::exists(index)) {
    // Every tensor the index lists must be in the shard it names.
    for (const auto& [tensor, shard] : detail::read_index(index)) {
      if (!weights.contains(tensor)) {
        fail(index, "tensor '" + tensor + "' is missing from its shard " + detail::quoted(shard));
      }
    }
  }
  if (gguf) {
    find_gguf_quantized(weights);
  } else if (directory) {
    find_config_quantized(weights, path / "config.json");
  }
  if (options.dtype) {
    for (auto& [name, a] : weights.tensors) {
      if (mx::issubdtype(a.dtype(), mx::floating) && a.dtype() != *options.dtype) {
        a = mx::astype(a, *options.dtype);
      }
    }
  }
  return weights;
}

} // namespace mlxcpp::io
