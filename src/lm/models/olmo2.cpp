// OLMo 2: norms after each branch (not before), and RMSNorms over the whole q and k
// projections (all heads together) before the rotation.
#include <cmath>

#include "mlx/fast.h"

#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

class OlmoAttention : public nn::Module {
public:
  OlmoAttention(const Config& c, const AttentionOptions& o)
      : q_proj(o.hidden_size, o.num_heads * o.head_dim, false),
        k_proj(o.hidden_size, o.num_kv_heads * o.head_dim, false),
        v_proj(o.hidden_size, o.num_kv_heads * o.head_dim, false),
        o_proj(o.num_heads * o.head_dim, o.hidden_size, false),
        q_norm(o.num_heads * o.head_dim, o.norm_eps),
        k_norm(o.num_kv_heads * o.head_dim, o.norm_eps), options_(o), rope_(*o.rope) {
    register_module("q_proj", q_proj);
    register_module("k_proj", k_proj);
    register_module("v_proj", v_proj);
    register_module("o_proj", o_proj);
    register_module("q_norm", q_norm);
    register_module("k_norm", k_norm);
  }

  array operator()(const array& x, KVCache& cache) const {
    const auto& o = options_;
    int B = x.shape(0), L = x.shape(1);
    auto heads = [&](const array& t, int n) {
      return mx::transpose(mx::reshape(t, {B, L, n, o.head_dim}), {0, 2, 1, 3});
    };
    auto q = heads(q_norm(q_proj(x)), o.num_heads);
    auto k = heads(k_norm(k_proj(x)), o.num_kv_heads);
    auto v = heads(v_proj(x), o.num_kv_heads);
    int offset = cache.offset();
    q = rope_(q, offset);
    k = rope_(k, offset);
    auto [keys, values] = cache.update_and_fetch(k, v);
    auto mask = make_attention_mask(L, offset, keys.shape(2), 0, cache.left_padding());
    auto out = mx::fast::scaled_dot_product_attention(
        q, keys, values, 1.0f / std::sqrt(static_cast<float>(o.head_dim)), mask.mode, mask.mask);
    return o_proj(mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, -1}));
  }

  Linear q_proj, k_proj, v_proj, o_proj;
  nn::RMSNorm q_norm, k_norm;

private:
  AttentionOptions options_;
  nn::RoPE rope_;
};

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : self_attn(c, attn), post_attention_layernorm(attn.hidden_size, attn.norm_eps), mlp(c),
        post_feedforward_layernorm(attn.hidden_size, attn.norm_eps) {
    register_module("self_attn", self_attn);
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("mlp", mlp);
    register_module("post_feedforward_layernorm", post_feedforward_layernorm);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, post_attention_layernorm(self_attn(x, cache)));
    return mx::add(h, post_feedforward_layernorm(mlp(h)));
  }
  OlmoAttention self_attn;
  nn::RMSNorm post_attention_layernorm;
  StandardMLP mlp;
  nn::RMSNorm post_feedforward_layernorm;
};

std::unique_ptr<Model> make_olmo2(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  return std::make_unique<DecoderLM<Block>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      final_rms_norm);
}

} // namespace

void register_olmo2() {
  register_architecture("olmo2", make_olmo2);
}

} // namespace mlxcpp::lm::models
