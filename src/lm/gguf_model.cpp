// Loading a GGUF model file through the Hugging Face model classes.
#include <algorithm>
#include <stdexcept>

#include "lm/gguf_architectures.h"
#include "mlxcpp/lm/gguf.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;
namespace fs = std::filesystem;

namespace {

// The quantization section load_weights_into expects: every quantized layer (its scales are
// among the weights) with GGUF's group size and the bits its packed rows imply.
nlohmann::json quantization_of(const WeightMap& weights) {
  nlohmann::json q = {{"group_size", 32}};
  const std::string scales = ".scales";
  for (const auto& [name, a] : weights) {
    if (name.size() <= scales.size() ||
        name.compare(name.size() - scales.size(), scales.size(), scales) != 0) {
      continue;
    }
    auto module = name.substr(0, name.size() - scales.size());
    auto weight = weights.find(module + ".weight");
    if (weight == weights.end() || a.shape(-1) == 0) {
      continue; // load_weights reports the inconsistency
    }
    int bits = weight->second.shape(-1) / a.shape(-1); // 32 values a group: `bits` words
    q[module] = {{"group_size", 32}, {"bits", bits}};
    q["bits"] = bits;
  }
  return q;
}

// load_weights' messages name Hugging Face tensors; a GGUF user needs the file's names.
std::string with_gguf_names(const std::string& message, const nlohmann::json& config) {
  const auto& arch =
      detail::gguf_architecture_of_model_type(config.at("model_type").get<std::string>());
  std::string out = message;
  size_t pos = 0;
  while ((pos = out.find('"', pos)) != std::string::npos) {
    auto end = out.find('"', pos + 1);
    if (end == std::string::npos) {
      break;
    }
    auto name = out.substr(pos + 1, end - pos - 1);
    if (auto gguf = detail::gguf_tensor_name(name, arch)) {
      auto note = " (GGUF tensor '" + *gguf + "')";
      out.insert(end + 1, note);
      end += note.size();
    }
    pos = end + 1;
  }
  return out;
}

} // namespace

std::optional<fs::path> gguf_model_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    return path.extension() == ".gguf" ? std::optional(path) : std::nullopt;
  }
  if (!fs::is_directory(path, ec) || fs::exists(path / "config.json")) {
    return std::nullopt;
  }
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.is_regular_file() && entry.path().extension() == ".gguf") {
      found.push_back(entry.path());
    }
  }
  if (found.size() > 1) {
    std::sort(found.begin(), found.end());
    std::string names;
    for (const auto& f : found) {
      names += (names.empty() ? "" : ", ") + f.filename().string();
    }
    throw std::runtime_error("The folder " + path.string() + " holds several .gguf files (" +
                             names + "); pass the one to load.");
  }
  return found.empty() ? std::nullopt : std::optional(found.front());
}

LoadedModel load_gguf_model(const fs::path& file, const LoadOptions& options) {
  auto [tensors, metadata] = mx::load_gguf(file.string());
  LoadedModel loaded;
  loaded.directory = file.parent_path();
  loaded.gguf_file = file;
  try {
    loaded.config = gguf_config(metadata, tensors);
    loaded.model = create_model(loaded.config);
    auto weights = gguf_to_hf_weights(std::move(tensors), loaded.config);
    loaded.config["quantization"] = quantization_of(weights);
    loaded.dtype = options.dtype.value_or(config_dtype(loaded.config));
    try {
      load_weights_into(*loaded.model, loaded.config, std::move(weights), loaded.dtype);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(with_gguf_names(e.what(), loaded.config));
    }
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
  if (options.quantize_bits > 0) {
    quantize_model(*loaded.model, options.quantize_group_size, options.quantize_bits);
  }
  materialize_parameters(*loaded.model, options.progress);
  for (const auto& id : loaded.config["eos_token_id"]) {
    loaded.eos_token_ids.push_back(id.get<int32_t>());
  }
  std::sort(loaded.eos_token_ids.begin(), loaded.eos_token_ids.end());
  loaded.eos_token_ids.erase(std::unique(loaded.eos_token_ids.begin(), loaded.eos_token_ids.end()),
                             loaded.eos_token_ids.end());
  return loaded;
}

} // namespace mlxcpp::lm
