#include "mlxcpp/lm/loader.h"

#include <fstream>
#include <set>
#include <stdexcept>

#include "mlx/io.h"
#include "mlx/ops.h"
#include "mlx/transforms.h"

#include "mlxcpp/lm/gguf.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("Cannot open " + path.string() + ".");
  }
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("Invalid JSON in " + path.string() + ": " + e.what());
  }
}

std::vector<fs::path> weight_files(const fs::path& dir) {
  auto index = dir / "model.safetensors.index.json";
  std::set<fs::path> files;
  if (fs::exists(index)) {
    auto j = read_json(index);
    if (!j.contains("weight_map") || !j["weight_map"].is_object()) {
      throw std::runtime_error(index.string() + " has no weight_map.");
    }
    for (auto& [name, file] : j["weight_map"].items()) {
      files.insert(dir / file.get<std::string>());
    }
  } else {
    // model.safetensors, or shards named model-0000X-of-0000N.safetensors; other safetensors
    // files in the folder (adapters, references) are not weights of the model.
    for (auto& entry : fs::directory_iterator(dir)) {
      auto name = entry.path().filename().string();
      if (entry.path().extension() == ".safetensors" && name.rfind("model", 0) == 0) {
        files.insert(entry.path());
      }
    }
  }
  if (files.empty()) {
    throw std::runtime_error("No .safetensors weights in " + dir.string() + ".");
  }
  return {files.begin(), files.end()};
}

std::vector<int32_t> ids_from(const nlohmann::json& j, const char* key) {
  std::vector<int32_t> ids;
  if (!j.contains(key)) {
    return ids;
  }
  const auto& v = j[key];
  if (v.is_number_integer()) {
    ids.push_back(v.get<int32_t>());
  } else if (v.is_array()) {
    for (auto& x : v) {
      if (x.is_number_integer()) {
        ids.push_back(x.get<int32_t>());
      }
    }
  }
  return ids;
}

// Per-layer quantization settings: config["quantization"][path] may override (or be false).
std::optional<std::pair<int, int>> layer_quantization(const nlohmann::json& q,
                                                      const std::string& path) {
  int group = q.value("group_size", 64);
  int bits = q.value("bits", 4);
  if (q.contains(path)) {
    const auto& o = q[path];
    if (o.is_boolean()) {
      if (!o.get<bool>()) {
        return std::nullopt;
      }
    } else if (o.is_object()) {
      group = o.value("group_size", group);
      bits = o.value("bits", bits);
    }
  }
  return std::pair{group, bits};
}

} // namespace

mx::Dtype config_dtype(const nlohmann::json& config) {
  std::string name;
  for (const char* key : {"torch_dtype", "dtype"}) {
    if (config.contains(key) && config[key].is_string()) {
      name = config[key].get<std::string>();
      break;
    }
  }
  if (name == "float16") {
    return mx::float16;
  }
  if (name == "bfloat16") {
    return mx::bfloat16;
  }
  return mx::float32;
}

void load_weights_into(Model& model, const nlohmann::json& config, WeightMap weights,
                       mx::Dtype dtype) {
  weights = model.sanitize(std::move(weights));
  // mlx-community checkpoints: a layer is quantized when its scales are in the checkpoint.
  const nlohmann::json* quantization = nullptr;
  for (const char* key : {"quantization", "quantization_config"}) {
    if (config.contains(key) && config[key].is_object()) {
      quantization = &config[key];
      break;
    }
  }
  for (auto& [path, module] : model.named_modules()) {
    auto* q = dynamic_cast<nn::Quantizable*>(module);
    if (q == nullptr || !weights.count(path + ".scales")) {
      continue;
    }
    if (quantization == nullptr) {
      throw std::runtime_error("The checkpoint has quantized weights (\"" + path +
                               ".scales\") but config.json has no \"quantization\".");
    }
    if (auto settings = layer_quantization(*quantization, path)) {
      q->expect_quantized(settings->first, settings->second);
    }
  }
  for (auto& [name, w] : weights) {
    if (mx::issubdtype(w.dtype(), mx::floating) && w.dtype() != dtype) {
      w = mx::astype(w, dtype);
    }
  }
  model.load_weights(weights, /* strict */ true);
}

void quantize_model(Model& model, int group_size, int bits) {
  for (auto& [path, module] : model.named_modules()) {
    auto* q = dynamic_cast<nn::Quantizable*>(module);
    if (q == nullptr || q->is_quantized()) {
      continue;
    }
    if (q->input_features() % group_size == 0) {
      q->quantize(group_size, bits);
    }
  }
}

void materialize_parameters(Model& model, const std::function<void(size_t, size_t)>& progress) {
  std::vector<mx::array> params;
  size_t total = 0;
  for (auto& [name, p] : model.named_parameters()) {
    params.push_back(*p);
    total += p->nbytes();
  }
  size_t done = 0;
  constexpr size_t batch_bytes = size_t{256} << 20;
  std::vector<mx::array> batch;
  size_t batch_size = 0;
  for (auto& p : params) {
    batch.push_back(p);
    batch_size += p.nbytes();
    if (batch_size >= batch_bytes) {
      mx::eval(batch);
      done += batch_size;
      batch.clear();
      batch_size = 0;
      if (progress) {
        progress(done, total);
      }
    }
  }
  mx::eval(batch);
  if (progress) {
    progress(total, total);
  }
}

LoadedModel load_model(const fs::path& directory, const LoadOptions& options) {
  if (auto gguf = gguf_model_file(directory)) {
    return load_gguf_model(*gguf, options);
  }
  if (!fs::is_directory(directory)) {
    throw std::runtime_error("Model path " + directory.string() +
                             " is neither a directory nor a .gguf file.");
  }
  LoadedModel loaded;
  loaded.directory = directory;
  loaded.config = read_json(directory / "config.json");
  loaded.model = create_model(loaded.config);
  loaded.dtype = options.dtype.value_or(config_dtype(loaded.config));

  WeightMap weights;
  for (auto& file : weight_files(directory)) {
    auto [tensors, metadata] = mx::load_safetensors(file.string());
    for (auto& [name, t] : tensors) {
      weights.insert_or_assign(name, t);
    }
  }
  load_weights_into(*loaded.model, loaded.config, std::move(weights), loaded.dtype);
  if (options.quantize_bits > 0) {
    quantize_model(*loaded.model, options.quantize_group_size, options.quantize_bits);
  }
  // Materialise the parameters now (reads the mapped files and converts dtypes), so the first
  // forward pass measures the model and not the load.
  materialize_parameters(*loaded.model, options.progress);

  auto eos = ids_from(loaded.config, "eos_token_id");
  auto gen_config = directory / "generation_config.json";
  if (fs::exists(gen_config)) {
    auto more = ids_from(read_json(gen_config), "eos_token_id");
    eos.insert(eos.end(), more.begin(), more.end());
  }
  std::sort(eos.begin(), eos.end());
  eos.erase(std::unique(eos.begin(), eos.end()), eos.end());
  loaded.eos_token_ids = eos;
  return loaded;
}

} // namespace mlxcpp::lm
