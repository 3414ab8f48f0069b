// Phi-3: Llama's structure with fused projections (qkv_proj; gate_up_proj with the gate
// first) and longrope frequency scaling.
#include <cmath>

#include "mlx/fast.h"

#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

class FusedAttention : public nn::Module {
public:
  explicit FusedAttention(const AttentionOptions& o)
      : qkv_proj(o.hidden_size, (o.num_heads + 2 * o.num_kv_heads) * o.head_dim, false),
        o_proj(o.num_heads * o.head_dim, o.hidden_size, false), options_(o), rope_(*o.rope) {
    register_module("qkv_proj", qkv_proj);
    register_module("o_proj", o_proj);
  }

  array operator()(const array& x, KVCache& cache) const {
    const auto& o = options_;
    int B = x.shape(0), L = x.shape(1);
    int q_size = o.num_heads * o.head_dim;
    int kv_size = o.num_kv_heads * o.head_dim;
    auto parts = mx::split(qkv_proj(x), mx::Shape{q_size, q_size + kv_size}, -1);
    auto heads = [&](const array& t, int n) {
      return mx::transpose(mx::reshape(t, {B, L, n, o.head_dim}), {0, 2, 1, 3});
    };
    int offset = cache.offset();
    auto q = rope_(heads(parts[0], o.num_heads), offset);
    auto k = rope_(heads(parts[1], o.num_kv_heads), offset);
    auto v = heads(parts[2], o.num_kv_heads);
    auto [keys, values] = cache.update_and_fetch(k, v);
    auto mask =
        make_attention_mask(L, offset, keys.shape(2), o.sliding_window, cache.left_padding());
    auto out = mx::fast::scaled_dot_product_attention(
        q, keys, values, 1.0f / std::sqrt(static_cast<float>(o.head_dim)), mask.mode, mask.mask);
    return o_proj(mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, -1}));
  }

  Linear qkv_proj, o_proj;

private:
  AttentionOptions options_;
  nn::RoPE rope_;
};

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, attn.norm_eps), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, attn.norm_eps), mlp(c) {
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
  FusedAttention self_attn;
  nn::RMSNorm post_attention_layernorm;
  FusedGateUpMLP mlp;
};

std::unique_ptr<Model> make_phi3(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.sliding_window = c.get_int("sliding_window", 0);
  auto model = std::make_unique<DecoderLM<Block>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      final_rms_norm);
  if (attn.sliding_window > 0) {
    model->window = attn.sliding_window;
    for (int i = 0; i < model->num_layers(); ++i) {
      model->windowed_layers.push_back(i);
    }
  }
  return model;
}

} // namespace

void register_phi3() {
  register_architecture("phi3", make_phi3);
}

} // namespace mlxcpp::lm::models
