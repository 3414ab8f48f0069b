// The skeleton most architectures share: model.embed_tokens -> model.layers.N ->
// model.norm -> lm_head (or the tied embedding). An architecture file defines its Block
// (operator()(x, cache)) and, where needed, overrides embed() and head().
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlx/ops.h"

#include "mlxcpp/lm/blocks.h"
#include "mlxcpp/lm/config.h"
#include "mlxcpp/lm/model.h"

namespace mlxcpp::lm::models {

namespace mx = mlx::core;

template <typename Block, typename Norm = nn::RMSNorm>
class DecoderLM : public Model {
public:
  using BlockFactory = std::function<std::unique_ptr<Block>(const Config&, int layer)>;
  using NormFactory = std::function<std::unique_ptr<Norm>(const Config&)>;

  DecoderLM(const nlohmann::json& json, const BlockFactory& make_block,
            const NormFactory& make_norm)
      : config(json), embed_tokens(config.get_int("vocab_size"), config.get_int("hidden_size")),
        norm(make_norm(config)), tied(config.get_bool("tie_word_embeddings", false)) {
    int n = config.get_int("num_hidden_layers");
    for (int i = 0; i < n; ++i) {
      layers.push_back(make_block(config, i));
      model.add("layers." + std::to_string(i), *layers.back());
    }
    model.add("embed_tokens", embed_tokens);
    model.add("norm", *norm);
    register_module("model", model);
    if (!tied) {
      lm_head = std::make_unique<nn::Linear>(config.get_int("hidden_size"),
                                             config.get_int("vocab_size"), false);
      register_module("lm_head", *lm_head);
    }
  }

  array forward(const array& tokens, Cache& cache, bool last_only = false) override {
    auto h = embed(tokens);
    for (size_t i = 0; i < layers.size(); ++i) {
      h = (*layers[i])(h, *cache[i]);
    }
    if (last_only) {
      h = last_position(h);
    }
    return head((*norm)(h));
  }

  int num_layers() const override { return static_cast<int>(layers.size()); }
  int vocab_size() const override { return config.get_int("vocab_size"); }
  std::vector<int> sliding_window_layers() const override { return windowed_layers; }
  int sliding_window() const override { return window; }

  WeightMap sanitize(WeightMap weights) const override {
    // Rotary frequency buffers are recomputed; a tied model has no separate head.
    std::erase_if(weights, [&](const auto& kv) {
      return kv.first.find("rotary_emb.inv_freq") != std::string::npos ||
             (tied && kv.first.rfind("lm_head.", 0) == 0);
    });
    return weights;
  }

protected:
  virtual array embed(const array& tokens) { return embed_tokens(tokens); }
  virtual array head(const array& h) { return tied ? embed_tokens.as_linear(h) : (*lm_head)(h); }

public:
  Config config;
  ModuleGroup model; // "model." prefix of the checkpoint's names
  nn::Embedding embed_tokens;
  std::vector<std::unique_ptr<Block>> layers;
  std::unique_ptr<Norm> norm;
  std::unique_ptr<nn::Linear> lm_head;
  bool tied;
  std::vector<int> windowed_layers; // layers with a sliding window (rotating cache)
  int window = 0;
};

// The common pre-norm block: h = x + attn(norm(x)); out = h + mlp(norm(h)).
// Mlp is constructed from the Config (see StandardMLP).
template <typename Mlp>
class PreNormBlock : public nn::Module {
public:
  PreNormBlock(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)), mlp(c) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("mlp", mlp);
  }

  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, self_attn(input_layernorm(x), cache));
    return mx::add(h, mlp(post_attention_layernorm(h)));
  }

  nn::RMSNorm input_layernorm;
  Attention self_attn;
  nn::RMSNorm post_attention_layernorm;
  Mlp mlp;
};

// The gated MLP from config.json's intermediate_size, mlp_bias and hidden_act.
struct StandardMLP : GatedMLP {
  explicit StandardMLP(const Config& c)
      : GatedMLP(c.get_int("hidden_size"), c.get_int("intermediate_size"),
                 c.get_bool("mlp_bias", false),
                 nn::activation_by_name(c.get_string("hidden_act", "silu"))) {}
};

// The gated MLP with gate and up projections fused in one weight (gate first):
// down(act(gate) * up).
class FusedGateUpMLP : public nn::Module {
public:
  explicit FusedGateUpMLP(const Config& c)
      : gate_up_proj(c.get_int("hidden_size"), 2 * c.get_int("intermediate_size"), false),
        down_proj(c.get_int("intermediate_size"), c.get_int("hidden_size"), false),
        activation_(nn::activation_by_name(c.get_string("hidden_act", "silu"))) {
    register_module("gate_up_proj", gate_up_proj);
    register_module("down_proj", down_proj);
  }
  array operator()(const array& x) const {
    auto parts = mx::split(gate_up_proj(x), 2, -1);
    return down_proj(mx::multiply(parts[1], activation_(parts[0])));
  }
  Linear gate_up_proj, down_proj;

private:
  nn::Activation activation_;
};

// The final RMSNorm from hidden_size and rms_norm_eps.
inline std::unique_ptr<nn::RMSNorm> final_rms_norm(const Config& c) {
  return std::make_unique<nn::RMSNorm>(c.get_int("hidden_size"),
                                       c.get_float("rms_norm_eps", 1e-6f));
}

} // namespace mlxcpp::lm::models
