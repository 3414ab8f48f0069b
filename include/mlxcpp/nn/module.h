// Modules: a tree of layers with named parameters, loaded and saved by the checkpoint's names
// ("model.layers.0.self_attn.q_proj.weight").
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mlx/array.h"

namespace mlxcpp::nn {

using mlx::core::array;
using WeightMap = std::unordered_map<std::string, array>;

class Module {
public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  // Every parameter of this module and its descendants, by dotted name.
  std::vector<std::pair<std::string, array*>> named_parameters();

  // Every module below this one (this one first, named ""), by dotted path.
  std::vector<std::pair<std::string, Module*>> named_modules();

  // Assigns parameters by name. With `strict`, a parameter missing from `weights`, or a weight
  // matching no parameter, is an error naming the tensor; shapes must match exactly.
  void load_weights(const WeightMap& weights, bool strict = true);

  // The parameters as a name -> array map (for saving).
  WeightMap weights();

  // Casts floating parameters to `dtype` (quantized integer weights are left alone).
  void cast(mlx::core::Dtype dtype);

  // Total number of parameter elements and bytes.
  size_t parameter_count();
  size_t parameter_bytes();

protected:
  // Registers a parameter held by this module (the pointee must outlive the module).
  void register_parameter(std::string name, array& parameter);
  void unregister_parameter(const std::string& name);
  // Registers a child module; an empty name puts the child's parameters at this level.
  void register_module(std::string name, Module& child);

private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, array*>>& out);
  void collect_modules(const std::string& prefix,
                       std::vector<std::pair<std::string, Module*>>& out);

  std::vector<std::pair<std::string, array*>> parameters_;
  std::vector<std::pair<std::string, Module*>> children_;
};

// A layer whose weight can be stored in MLX's affine-quantized format.
class Quantizable {
public:
  virtual ~Quantizable() = default;
  // Quantizes the current (dense) weight in place.
  virtual void quantize(int group_size, int bits) = 0;
  // Declares the layer quantized before loading a quantized checkpoint: parameters become
  // weight (uint32), scales and biases.
  virtual void expect_quantized(int group_size, int bits) = 0;
  virtual bool is_quantized() const = 0;
  // The size of the quantized (last) axis: quantization needs it divisible by the group size.
  virtual int input_features() const = 0;
};

} // namespace mlxcpp::nn
