// GLM-4: sandwich norms (after attention and after the MLP too), q/k/v biases, interleaved
// ("traditional") rotary embeddings over part of each head, and a fused gate_up projection.
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, attn.norm_eps), self_attn(attn),
        post_self_attn_layernorm(attn.hidden_size, attn.norm_eps),
        post_attention_layernorm(attn.hidden_size, attn.norm_eps), mlp(c),
        post_mlp_layernorm(attn.hidden_size, attn.norm_eps) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("post_self_attn_layernorm", post_self_attn_layernorm);
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("mlp", mlp);
    register_module("post_mlp_layernorm", post_mlp_layernorm);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, post_self_attn_layernorm(self_attn(input_layernorm(x), cache)));
    return mx::add(h, post_mlp_layernorm(mlp(post_attention_layernorm(h))));
  }
  nn::RMSNorm input_layernorm;
  Attention self_attn;
  nn::RMSNorm post_self_attn_layernorm;
  nn::RMSNorm post_attention_layernorm;
  FusedGateUpMLP mlp;
  nn::RMSNorm post_mlp_layernorm;
};

std::unique_ptr<Model> make_glm4(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qkv_bias = c.get_bool("attention_bias", false);
  attn.o_bias = false;
  attn.rope->traditional = true;
  return std::make_unique<DecoderLM<Block>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      final_rms_norm);
}

} // namespace

void register_glm4() {
  register_architecture("glm4", make_glm4);
}

} // namespace mlxcpp::lm::models
