// StarCoder2: pre-norm blocks with LayerNorms, biases on every projection, and a plain
// (ungated) MLP c_fc -> gelu -> c_proj.
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

float eps_of(const Config& c) {
  return c.get_float("norm_epsilon", 1e-5f);
}

class MLP : public nn::Module {
public:
  explicit MLP(const Config& c)
      : c_fc(c.get_int("hidden_size"), c.get_int("intermediate_size"),
             c.get_bool("use_bias", true)),
        c_proj(c.get_int("intermediate_size"), c.get_int("hidden_size"),
               c.get_bool("use_bias", true)),
        activation_(nn::activation_by_name(c.get_string("hidden_act", "gelu_pytorch_tanh"))) {
    register_module("c_fc", c_fc);
    register_module("c_proj", c_proj);
  }
  array operator()(const array& x) const { return c_proj(activation_(c_fc(x))); }
  Linear c_fc, c_proj;

private:
  nn::Activation activation_;
};

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, eps_of(c)), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, eps_of(c)), mlp(c) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("mlp", mlp);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, self_attn(input_layernorm(x), cache));
    return mx::add(h, mlp(post_attention_layernorm(h)));
  }
  nn::LayerNorm input_layernorm;
  Attention self_attn;
  nn::LayerNorm post_attention_layernorm;
  MLP mlp;
};

std::unique_ptr<Model> make_starcoder2(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qkv_bias = attn.o_bias = c.get_bool("use_bias", true);
  attn.sliding_window = c.get_int("sliding_window", 0);
  auto model = std::make_unique<DecoderLM<Block, nn::LayerNorm>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      [](const Config& config) {
        return std::make_unique<nn::LayerNorm>(config.get_int("hidden_size"), eps_of(config));
      });
  if (attn.sliding_window > 0) {
    model->window = attn.sliding_window;
    for (int i = 0; i < model->num_layers(); ++i) {
      model->windowed_layers.push_back(i);
    }
  }
  return model;
}

} // namespace

void register_starcoder2() {
  register_architecture("starcoder2", make_starcoder2);
}

} // namespace mlxcpp::lm::models
