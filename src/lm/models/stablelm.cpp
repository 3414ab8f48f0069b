// StableLM: pre-norm blocks with LayerNorms (with bias), q/k/v biases, rotary embeddings over
// part of each head; optionally a parallel residual (attention and MLP from the same input).
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

float eps_of(const Config& c) {
  return c.get_float("layer_norm_eps", 1e-5f);
}

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, eps_of(c)), self_attn(attn), mlp(c),
        parallel_(c.get_bool("use_parallel_residual", false)) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("mlp", mlp);
    if (!parallel_) {
      post_attention_layernorm = std::make_unique<nn::LayerNorm>(attn.hidden_size, eps_of(c));
      register_module("post_attention_layernorm", *post_attention_layernorm);
    }
  }
  array operator()(const array& x, KVCache& cache) const {
    auto n = input_layernorm(x);
    if (parallel_) {
      return mx::add(mx::add(x, self_attn(n, cache)), mlp(n));
    }
    auto h = mx::add(x, self_attn(n, cache));
    return mx::add(h, mlp((*post_attention_layernorm)(h)));
  }
  nn::LayerNorm input_layernorm;
  Attention self_attn;
  std::unique_ptr<nn::LayerNorm> post_attention_layernorm;
  StandardMLP mlp;

private:
  bool parallel_;
};

std::unique_ptr<Model> make_stablelm(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qkv_bias = c.get_bool("use_qkv_bias", false);
  attn.o_bias = false;
  return std::make_unique<DecoderLM<Block, nn::LayerNorm>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      [](const Config& config) {
        return std::make_unique<nn::LayerNorm>(config.get_int("hidden_size"), eps_of(config));
      });
}

} // namespace

void register_stablelm() {
  register_architecture("stablelm", make_stablelm);
}

} // namespace mlxcpp::lm::models
