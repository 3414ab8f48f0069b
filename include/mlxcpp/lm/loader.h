// Loading a model folder: config.json, (sharded) safetensors, mlx-community quantization,
// dtype overrides and quantize-on-load; or a GGUF file (see gguf.h).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mlx/dtype.h"

#include "mlxcpp/lm/model.h"

namespace mlxcpp::lm {

struct LoadOptions {
  std::optional<mlx::core::Dtype> dtype; // default: config.json's torch_dtype
  int quantize_bits = 0;                 // > 0: quantize dense layers after loading
  int quantize_group_size = 64;
  // Called as tensors are materialised: (bytes done, bytes total).
  std::function<void(size_t, size_t)> progress;
};

struct LoadedModel {
  std::unique_ptr<Model> model;
  nlohmann::json config;
  std::filesystem::path directory;
  std::filesystem::path gguf_file; // the GGUF file, when the model came from one
  mlx::core::Dtype dtype = mlx::core::float32;
  std::vector<int32_t> eos_token_ids; // from generation_config.json and config.json (or GGUF)
};

// Loads the model in `path`: a Hugging Face folder, a .gguf file, or a folder holding one .gguf
// and no config.json. Errors (missing files, unknown model_type, weights whose names or shapes
// do not match) are std::runtime_error with one clear message.
LoadedModel load_model(const std::filesystem::path& path, const LoadOptions& options = {});

// Evaluates every parameter of `model` (reading mapped files, converting dtypes), in batches,
// calling `progress` (bytes done, bytes total) after each when it is set.
void materialize_parameters(Model& model, const std::function<void(size_t, size_t)>& progress);

// Builds a model from `config` and `weights` (already named as in a checkpoint).
void load_weights_into(Model& model, const nlohmann::json& config, WeightMap weights,
                       mlx::core::Dtype dtype);

// Quantizes every dense Linear/Embedding whose input size is a multiple of the group size.
void quantize_model(Model& model, int group_size, int bits);

// The dtype named by config.json's torch_dtype (or dtype), float32 when absent.
mlx::core::Dtype config_dtype(const nlohmann::json& config);

} // namespace mlxcpp::lm
