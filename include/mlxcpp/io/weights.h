// Loading a model's weights: a Hugging Face model directory (model.safetensors, or shards listed
// by model.safetensors.index.json), or a single .safetensors, .gguf or .npz file. Built on
// mlx/io.h, so tensors are memory-mapped and load lazily.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/array.h"
#include "mlx/io.h"

namespace mlxcpp::io {

// MLX's affine quantization of one weight: values packed into uint32, dequantized as
// q * scale + bias per group of `group_size` values.
struct QuantizationSpec {
  int group_size;
  int bits;
};

struct LoadOptions {
  // Convert every floating-point tensor (float16, bfloat16, float32, float64; quantization
  // scales and biases included) to this dtype. Lazy: a tensor is converted when first used.
  // Integer tensors and packed quantized weights keep their dtype.
  std::optional<mlx::core::Dtype> dtype;
};

struct Weights {
  // Every tensor by name. A quantized weight "x.weight" (uint32) has its scales and biases
  // here as "x.scales" and "x.biases".
  std::unordered_map<std::string, mlx::core::array> tensors;
  // The quantized weights, by the packed weight's name, when their layout is known: from a
  // GGUF file (group size 32), or from the "quantization" section of the directory's
  // config.json (MLX checkpoints: a default plus per-layer overrides).
  std::unordered_map<std::string, QuantizationSpec> quantized;
  // Safetensors "__metadata__", merged over the shards.
  std::unordered_map<std::string, std::string> metadata;
  // GGUF metadata (a GGUF checkpoint only).
  std::unordered_map<std::string, mlx::core::GGUFMetaData> gguf_metadata;
  // The files the weights came from, in the order they were read.
  std::vector<std::filesystem::path> files;

  bool contains(const std::string& name) const { return tensors.count(name) != 0; }
  // The tensor, or std::out_of_range naming it and the checkpoint.
  const mlx::core::array& at(const std::string& name) const;
};

// The weight files of `path`: the file itself, or for a directory the shards named by
// model.safetensors.index.json, else model.safetensors, else every *.safetensors (sorted), else
// its one *.gguf. Throws std::runtime_error "[load_weights] ..." when there are none, or the
// index is invalid or names files outside the directory.
std::vector<std::filesystem::path> weight_files(const std::filesystem::path& path);

// Loads the weights of `path` (see weight_files). Throws std::runtime_error naming the file and
// the problem for a damaged checkpoint: an invalid file, a tensor in two shards, a tensor the
// index lists but its shard lacks.
Weights load_weights(const std::filesystem::path& path, const LoadOptions& options = {});

} // namespace mlxcpp::io
