// Rotary position embeddings with Hugging Face's scaling variants: default, linear, dynamic
// (NTK), llama3, yarn and longrope. Frequencies are computed once; each call is one
// fast::rope.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mlx/array.h"

namespace mlxcpp::nn {

using mlx::core::array;

struct RopeConfig {
  int dims = 0;       // rotated features per head
  float base = 10000; // rope_theta
  bool traditional = false;
  std::string type = "default"; // default|linear|dynamic|llama3|yarn|longrope
  float factor = 1;
  int max_position_embeddings = 0;
  int original_max_position_embeddings = 0;
  // llama3
  float low_freq_factor = 1;
  float high_freq_factor = 4;
  // yarn
  float beta_fast = 32;
  float beta_slow = 1;
  std::optional<float> mscale;
  std::optional<float> mscale_all_dim;
  std::optional<float> attention_factor;
  // longrope
  std::vector<float> short_factor;
  std::vector<float> long_factor;
};

class RoPE {
public:
  explicit RoPE(RopeConfig config);

  // x [..., L, head_dim]: rotates the first `dims` features at positions offset..offset+L-1.
  array operator()(const array& x, int offset) const;

private:
  RopeConfig config_;
  std::optional<array> freqs_;      // custom frequencies (1 / inverse frequency), if any
  std::optional<array> long_freqs_; // longrope: used past the original context length
  float scale_ = 1.0f;              // position scale (linear)
  float attention_scale_ = 1.0f;    // yarn / longrope magnitude correction
};

} // namespace mlxcpp::nn
