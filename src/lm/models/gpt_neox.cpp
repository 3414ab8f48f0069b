// GPT-NeoX (Pythia): fused query_key_value laid out per head as [q, k, v], parallel residual
// (attention and MLP each with their own LayerNorm, added to the same input), rotary
// embeddings over part of each head, a gelu MLP, and its own names (gpt_neox.*, embed_out).
#include <cmath>

#include "mlx/fast.h"

#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

float eps_of(const Config& c) {
  return c.get_float("layer_norm_eps", 1e-5f);
}

class NeoXAttention : public nn::Module {
public:
  NeoXAttention(const Config& c, const AttentionOptions& o)
      : query_key_value(o.hidden_size, 3 * o.num_heads * o.head_dim,
                        c.get_bool("attention_bias", true)),
        dense(o.num_heads * o.head_dim, o.hidden_size, c.get_bool("attention_bias", true)),
        options_(o), rope_(*o.rope) {
    register_module("query_key_value", query_key_value);
    register_module("dense", dense);
  }

  array operator()(const array& x, KVCache& cache) const {
    const auto& o = options_;
    int B = x.shape(0), L = x.shape(1);
    // [B, L, heads, 3 * head_dim] -> q, k, v per head.
    auto qkv = mx::transpose(mx::reshape(query_key_value(x), {B, L, o.num_heads, 3 * o.head_dim}),
                             {0, 2, 1, 3});
    auto parts = mx::split(qkv, 3, -1);
    int offset = cache.offset();
    auto q = rope_(parts[0], offset);
    auto k = rope_(parts[1], offset);
    auto [keys, values] = cache.update_and_fetch(k, parts[2]);
    auto mask = make_attention_mask(L, offset, keys.shape(2), 0, cache.left_padding());
    auto out = mx::fast::scaled_dot_product_attention(
        q, keys, values, 1.0f / std::sqrt(static_cast<float>(o.head_dim)), mask.mode, mask.mask);
    return dense(mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, -1}));
  }

  Linear query_key_value, dense;

private:
  AttentionOptions options_;
  nn::RoPE rope_;
};

class MLP : public nn::Module {
public:
  explicit MLP(const Config& c)
      : dense_h_to_4h(c.get_int("hidden_size"), c.get_int("intermediate_size"), true),
        dense_4h_to_h(c.get_int("intermediate_size"), c.get_int("hidden_size"), true),
        activation_(nn::activation_by_name(c.get_string("hidden_act", "gelu"))) {
    register_module("dense_h_to_4h", dense_h_to_4h);
    register_module("dense_4h_to_h", dense_4h_to_h);
  }
  array operator()(const array& x) const { return dense_4h_to_h(activation_(dense_h_to_4h(x))); }
  Linear dense_h_to_4h, dense_4h_to_h;

private:
  nn::Activation activation_;
};

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, eps_of(c)),
        post_attention_layernorm(attn.hidden_size, eps_of(c)), attention(c, attn), mlp(c),
        parallel_(c.get_bool("use_parallel_residual", true)) {
    register_module("input_layernorm", input_layernorm);
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("attention", attention);
    register_module("mlp", mlp);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto a = attention(input_layernorm(x), cache);
    if (parallel_) {
      return mx::add(mx::add(x, a), mlp(post_attention_layernorm(x)));
    }
    auto h = mx::add(x, a);
    return mx::add(h, mlp(post_attention_layernorm(h)));
  }
  nn::LayerNorm input_layernorm, post_attention_layernorm;
  NeoXAttention attention;
  MLP mlp;

private:
  bool parallel_;
};

class GPTNeoX : public Model {
public:
  explicit GPTNeoX(const nlohmann::json& json)
      : config_(json), embed_in_(config_.get_int("vocab_size"), config_.get_int("hidden_size")),
        final_layer_norm_(config_.get_int("hidden_size"), eps_of(config_)),
        embed_out_(config_.get_int("hidden_size"), config_.get_int("vocab_size"), false) {
    auto attn = attention_options(config_);
    attn.num_kv_heads = attn.num_heads;
    for (int i = 0; i < config_.get_int("num_hidden_layers"); ++i) {
      layers_.push_back(std::make_unique<Block>(config_, attn));
      backbone_.add("layers." + std::to_string(i), *layers_.back());
    }
    backbone_.add("embed_in", embed_in_);
    backbone_.add("final_layer_norm", final_layer_norm_);
    register_module("gpt_neox", backbone_);
    register_module("embed_out", embed_out_);
  }

  array forward(const array& tokens, Cache& cache, bool last_only = false) override {
    auto h = embed_in_(tokens);
    for (size_t i = 0; i < layers_.size(); ++i) {
      h = (*layers_[i])(h, *cache[i]);
    }
    if (last_only) {
      h = last_position(h);
    }
    return embed_out_(final_layer_norm_(h));
  }
  int num_layers() const override { return static_cast<int>(layers_.size()); }
  int vocab_size() const override { return config_.get_int("vocab_size"); }
  WeightMap sanitize(WeightMap weights) const override {
    std::erase_if(weights, [](const auto& kv) {
      return kv.first.find("rotary_emb.inv_freq") != std::string::npos ||
             kv.first.find("attention.bias") != std::string::npos ||
             kv.first.find("attention.masked_bias") != std::string::npos;
    });
    return weights;
  }

private:
  Config config_;
  ModuleGroup backbone_;
  nn::Embedding embed_in_;
  std::vector<std::unique_ptr<Block>> layers_;
  nn::LayerNorm final_layer_norm_;
  Linear embed_out_;
};

} // namespace

void register_gpt_neox() {
  register_architecture("gpt_neox", [](const nlohmann::json& json) -> std::unique_ptr<Model> {
    return std::make_unique<GPTNeoX>(json);
  });
}

} // namespace mlxcpp::lm::models
