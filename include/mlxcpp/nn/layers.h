// The layers models are built from: Linear (dense or affine-quantized), Embedding, norms and
// activations.
#pragma once

#include <optional>

#include "mlx/ops.h"

#include "mlxcpp/nn/module.h"

namespace mlxcpp::nn {

// y = x W^T + b, with W [out, in]. Quantized: W is MLX-packed uint32 with scales and biases.
class Linear : public Module, public Quantizable {
public:
  Linear(int in_features, int out_features, bool bias);

  array operator()(const array& x) const;

  void quantize(int group_size, int bits) override;
  void expect_quantized(int group_size, int bits) override;
  bool is_quantized() const override { return bits_ > 0; }
  int input_features() const override { return in_; }

  array weight;
  std::optional<array> bias;
  // Set when quantized.
  std::optional<array> scales;
  std::optional<array> biases;
  int group_size() const { return group_size_; }
  int bits() const { return bits_; }
  int in_features() const { return in_; }
  int out_features() const { return out_; }

private:
  int in_;
  int out_;
  int group_size_ = 0;
  int bits_ = 0;
};

// Rows of a [vocab, dims] table; `as_linear` uses it as a tied output layer.
class Embedding : public Module, public Quantizable {
public:
  Embedding(int num_embeddings, int dims);

  array operator()(const array& ids) const;
  array as_linear(const array& x) const;

  void quantize(int group_size, int bits) override;
  void expect_quantized(int group_size, int bits) override;
  bool is_quantized() const override { return bits_ > 0; }
  int input_features() const override { return dims_; }

  array weight;
  std::optional<array> scales;
  std::optional<array> biases;

private:
  int num_;
  int dims_;
  int group_size_ = 0;
  int bits_ = 0;
};

// x * rsqrt(mean(x^2) + eps) * (weight + offset). Gemma's norms store the gain minus one
// (offset 1).
class RMSNorm : public Module {
public:
  RMSNorm(int dims, float eps, float offset = 0.0f);
  array operator()(const array& x) const;
  array weight;

private:
  float eps_;
  float offset_;
};

class LayerNorm : public Module {
public:
  LayerNorm(int dims, float eps, bool affine = true, bool bias = true);
  array operator()(const array& x) const;
  std::optional<array> weight;
  std::optional<array> bias;

private:
  float eps_;
};

// Activation functions, with the names Hugging Face configs use ("silu", "gelu",
// "gelu_pytorch_tanh", "gelu_new", "relu", ...).
array silu(const array& x);
array gelu(const array& x);
array gelu_approx(const array& x);
array relu(const array& x);
using Activation = array (*)(const array&);
// Throws std::invalid_argument naming the activation when unknown.
Activation activation_by_name(const std::string& name);

} // namespace mlxcpp::nn
