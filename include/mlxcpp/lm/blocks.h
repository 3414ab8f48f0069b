// Building blocks shared by the architectures in src/lm/models/: attention with grouped KV
// heads and the gated MLP. Each model file composes them in a forward pass that reads top to
// bottom.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mlxcpp/lm/cache.h"
#include "mlxcpp/nn/layers.h"
#include "mlxcpp/nn/rope.h"

namespace mlxcpp::lm {

using nn::Linear;

// A module that only groups children under a name prefix (e.g. "model.").
struct ModuleGroup : nn::Module {
  void add(const std::string& name, nn::Module& child) { register_module(name, child); }
};

struct AttentionOptions {
  int hidden_size = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  bool qkv_bias = false;
  bool o_bias = false;
  // RMSNorm over each head's features of q and k (qwen3, gemma3, olmo2 use variants).
  bool qk_norm = false;
  float qk_norm_offset = 0.0f; // 1 for Gemma's (1 + weight) norms
  float norm_eps = 1e-6f;
  std::optional<float> scale;         // default head_dim^-0.5
  std::optional<nn::RopeConfig> rope; // none: no rotary embedding in this layer
  int sliding_window = 0;             // > 0: attend to the last `sliding_window` keys only
  float logit_softcap = 0;            // > 0: tanh soft-capping of attention scores (gemma2)
};

// How the queries of one forward step may see the keys.
struct AttentionMask {
  std::string mode; // "", "causal" or "array"
  std::optional<array> mask;
};

// Which of `key_length` fetched keys (ending at the current position) each of L new queries
// may see, after `offset` earlier tokens: causal, and within `window` when > 0. nullopt when
// every query sees every key. With `left_padding` (one count per batch row, see
// KVCache::left_padding) the mask is [B, 1, L, keys] and hides row b's first left_padding[b]
// positions from every query but their own, so that padded queries stay finite.
std::optional<array> visible_keys(int L, int offset, int key_length, int window = 0,
                                  const std::vector<int>& left_padding = {});

// The same as a mask for fast::scaled_dot_product_attention ("causal" when it can be).
AttentionMask make_attention_mask(int L, int offset, int key_length, int window = 0,
                                  const std::vector<int>& left_padding = {});

// Attention over a QuantizedKVCache's stored keys and values (packed, scales, biases; [B,
// kv_heads, keys, ...]) through quantized_matmul, without dequantizing the history:
// q [B, heads, L, head_dim] -> [B, heads, L, head_dim]. `visible` as visible_keys() gives.
array quantized_attention(const array& q, const std::vector<array>& keys,
                          const std::vector<array>& values, float scale, int group_size, int bits,
                          const std::optional<array>& visible);

class Attention : public nn::Module {
public:
  explicit Attention(const AttentionOptions& options);

  // x [B, L, hidden] -> [B, L, hidden]; appends this step's keys and values to `cache`.
  array operator()(const array& x, KVCache& cache) const;

  Linear q_proj, k_proj, v_proj, o_proj;
  std::unique_ptr<nn::RMSNorm> q_norm, k_norm;

private:
  AttentionOptions options_;
  std::optional<nn::RoPE> rope_;
  float scale_;
};

// down(act(gate(x)) * up(x))
class GatedMLP : public nn::Module {
public:
  GatedMLP(int hidden_size, int intermediate_size, bool bias, nn::Activation activation);
  array operator()(const array& x) const;

  Linear gate_proj, up_proj, down_proj;

private:
  nn::Activation activation_;
};

// Reads the standard attention options from config.json fields (hidden_size,
// num_attention_heads, num_key_value_heads, head_dim, rope_theta, rope_scaling, ...).
class Config;
AttentionOptions attention_options(const Config& config);

} // namespace mlxcpp::lm
