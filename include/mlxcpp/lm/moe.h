// Mixture-of-experts layers: experts stacked in one [experts, out, in] weight (mlx-lm's
// "switch_mlp" layout) and applied to each token's selected experts with gather_mm /
// gather_qmm.
#pragma once

#include <optional>
#include <string>

#include "mlxcpp/nn/layers.h"

namespace mlxcpp::lm {

using mlx::core::array;
using nn::WeightMap;

// A Linear per expert, stacked: y[..., k, :] = x[..., :] W[indices[..., k]]^T.
class SwitchLinear : public nn::Module, public nn::Quantizable {
public:
  SwitchLinear(int in_features, int out_features, int num_experts, bool bias = false);

  // x [..., 1 or K, in], indices [..., K] -> [..., K, out]
  array operator()(const array& x, const array& indices, bool sorted_indices = false) const;

  void quantize(int group_size, int bits) override;
  void expect_quantized(int group_size, int bits) override;
  bool is_quantized() const override { return bits_ > 0; }
  int input_features() const override { return in_; }

  array weight;
  std::optional<array> bias;
  std::optional<array> scales;
  std::optional<array> biases;

private:
  int in_, out_, experts_;
  int group_size_ = 0;
  int bits_ = 0;
};

// down(act(gate(x)) * up(x)) with per-expert weights.
class SwitchGLU : public nn::Module {
public:
  SwitchGLU(int hidden_size, int intermediate_size, int num_experts, nn::Activation activation,
            bool bias = false);

  // x [..., hidden], indices [..., K] -> [..., K, hidden]
  array operator()(const array& x, const array& indices) const;

  SwitchLinear gate_proj, up_proj, down_proj;

private:
  nn::Activation activation_;
};

// The top-k experts per token of router scores [..., E]: returns (indices [..., k] uint32,
// weights [..., k] float32) with the k largest scores.
std::pair<array, array> top_k_experts(const array& scores, int k);

// Stacks per-expert checkpoint tensors "<prefix>.experts.<e>.<name>.<param>" into
// "<prefix>.<switch>.<new_name>.<param>" [experts, ...] for each (name -> new_name) pair;
// per-expert weights, scales and biases alike. Returns the rewritten map.
WeightMap stack_experts(WeightMap weights, const std::string& prefix, int num_experts,
                        const std::vector<std::pair<std::string, std::string>>& names,
                        const std::string& switch_name = "switch_mlp");

} // namespace mlxcpp::lm
