// Phi (phi-1.5, phi-2): one LayerNorm feeding attention and MLP in parallel, biases
// everywhere (the output layer too), rotary embeddings over part of each head, and a gelu MLP
// fc1 -> fc2. The output projection is named "dense" and the final norm "final_layernorm".
#include <cmath>

#include "mlx/fast.h"

#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

class PhiAttention : public nn::Module {
public:
  explicit PhiAttention(const AttentionOptions& o)
      : q_proj(o.hidden_size, o.num_heads * o.head_dim, true),
        k_proj(o.hidden_size, o.num_kv_heads * o.head_dim, true),
        v_proj(o.hidden_size, o.num_kv_heads * o.head_dim, true),
        dense(o.num_heads * o.head_dim, o.hidden_size, true), options_(o), rope_(*o.rope) {
    register_module("q_proj", q_proj);
    register_module("k_proj", k_proj);
    register_module("v_proj", v_proj);
    register_module("dense", dense);
  }

  array operator()(const array& x, KVCache& cache) const {
    const auto& o = options_;
    int B = x.shape(0), L = x.shape(1);
    auto heads = [&](const array& t, int n) {
      return mx::transpose(mx::reshape(t, {B, L, n, o.head_dim}), {0, 2, 1, 3});
    };
    int offset = cache.offset();
    auto q = rope_(heads(q_proj(x), o.num_heads), offset);
    auto k = rope_(heads(k_proj(x), o.num_kv_heads), offset);
    auto v = heads(v_proj(x), o.num_kv_heads);
    auto [keys, values] = cache.update_and_fetch(k, v);
    auto mask = make_attention_mask(L, offset, keys.shape(2), 0, cache.left_padding());
    auto out = mx::fast::scaled_dot_product_attention(
        q, keys, values, 1.0f / std::sqrt(static_cast<float>(o.head_dim)), mask.mode, mask.mask);
    return dense(mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, -1}));
  }

  Linear q_proj, k_proj, v_proj, dense;

private:
  AttentionOptions options_;
  nn::RoPE rope_;
};

class MLP : public nn::Module {
public:
  explicit MLP(const Config& c)
      : fc1(c.get_int("hidden_size"), c.get_int("intermediate_size"), true),
        fc2(c.get_int("intermediate_size"), c.get_int("hidden_size"), true),
        activation_(nn::activation_by_name(c.get_string("hidden_act", "gelu_new"))) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  array operator()(const array& x) const { return fc2(activation_(fc1(x))); }
  Linear fc1, fc2;

private:
  nn::Activation activation_;
};

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, c.get_float("layer_norm_eps", 1e-5f)), self_attn(attn),
        mlp(c) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("mlp", mlp);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto n = input_layernorm(x);
    return mx::add(mx::add(x, self_attn(n, cache)), mlp(n));
  }
  nn::LayerNorm input_layernorm;
  PhiAttention self_attn;
  MLP mlp;
};

class Phi : public Model {
public:
  explicit Phi(const nlohmann::json& json)
      : config_(json), embed_tokens_(config_.get_int("vocab_size"), config_.get_int("hidden_size")),
        final_layernorm_(config_.get_int("hidden_size"),
                         config_.get_float("layer_norm_eps", 1e-5f)),
        lm_head_(config_.get_int("hidden_size"), config_.get_int("vocab_size"), true) {
    auto attn = attention_options(config_);
    for (int i = 0; i < config_.get_int("num_hidden_layers"); ++i) {
      layers_.push_back(std::make_unique<Block>(config_, attn));
      model_.add("layers." + std::to_string(i), *layers_.back());
    }
    model_.add("embed_tokens", embed_tokens_);
    model_.add("final_layernorm", final_layernorm_);
    register_module("model", model_);
    register_module("lm_head", lm_head_);
  }

  array forward(const array& tokens, Cache& cache, bool last_only = false) override {
    auto h = embed_tokens_(tokens);
    for (size_t i = 0; i < layers_.size(); ++i) {
      h = (*layers_[i])(h, *cache[i]);
    }
    if (last_only) {
      h = last_position(h);
    }
    return lm_head_(final_layernorm_(h));
  }
  int num_layers() const override { return static_cast<int>(layers_.size()); }
  int vocab_size() const override { return config_.get_int("vocab_size"); }

private:
  Config config_;
  ModuleGroup model_;
  nn::Embedding embed_tokens_;
  std::vector<std::unique_ptr<Block>> layers_;
  nn::LayerNorm final_layernorm_;
  Linear lm_head_;
};

} // namespace

void register_phi() {
  register_architecture("phi", [](const nlohmann::json& json) -> std::unique_ptr<Model> {
    return std::make_unique<Phi>(json);
  });
}

} // namespace mlxcpp::lm::models
