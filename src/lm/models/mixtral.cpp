// Mixtral: Mistral's attention with a sparse mixture of experts in place of the MLP: a router
// picks num_experts_per_tok experts per token and mixes their outputs with the softmax of the
// chosen router logits.
#include "lm/models/decoder.h"
#include "mlxcpp/lm/moe.h"

namespace mlxcpp::lm::models {

namespace {

class SparseMoE : public nn::Module {
public:
  explicit SparseMoE(const Config& c)
      : gate(c.get_int("hidden_size"), c.get_int("num_local_experts"), false),
        switch_mlp(c.get_int("hidden_size"), c.get_int("intermediate_size"),
                   c.get_int("num_local_experts"),
                   nn::activation_by_name(c.get_string("hidden_act", "silu"))),
        k_(c.get_int("num_experts_per_tok")) {
    register_module("gate", gate);
    register_module("switch_mlp", switch_mlp);
  }

  array operator()(const array& x) const {
    auto [inds, logits] = top_k_experts(gate(x), k_);
    auto weights = mx::softmax(logits, -1, true);
    auto y = switch_mlp(x, inds);
    return mx::astype(mx::sum(mx::multiply(y, mx::expand_dims(weights, -1)), -2), x.dtype());
  }

  Linear gate;
  SwitchGLU switch_mlp;

private:
  int k_;
};

// HF's Mixtral names the MLP "block_sparse_moe"; the pre-norm block's MLP is renamed on load.
class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)),
        block_sparse_moe(c) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("block_sparse_moe", block_sparse_moe);
  }

  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, self_attn(input_layernorm(x), cache));
    return mx::add(h, block_sparse_moe(post_attention_layernorm(h)));
  }

  nn::RMSNorm input_layernorm;
  Attention self_attn;
  nn::RMSNorm post_attention_layernorm;
  SparseMoE block_sparse_moe;
};

class Mixtral : public DecoderLM<Block> {
public:
  Mixtral(const nlohmann::json& json, const AttentionOptions& attn)
      : DecoderLM(
            json, [&](const Config& c, int) { return std::make_unique<Block>(c, attn); },
            final_rms_norm) {}

  WeightMap sanitize(WeightMap weights) const override {
    weights = DecoderLM::sanitize(std::move(weights));
    int experts = config.get_int("num_local_experts");
    for (int i = 0; i < num_layers(); ++i) {
      weights = stack_experts(std::move(weights),
                              "model.layers." + std::to_string(i) + ".block_sparse_moe", experts,
                              {{"w1", "gate_proj"}, {"w3", "up_proj"}, {"w2", "down_proj"}});
    }
    return weights;
  }
};

std::unique_ptr<Model> make_mixtral(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.sliding_window = c.get_int("sliding_window", 0);
  auto model = std::make_unique<Mixtral>(json, attn);
  if (attn.sliding_window > 0) {
    model->window = attn.sliding_window;
    for (int i = 0; i < model->num_layers(); ++i) {
      model->windowed_layers.push_back(i);
    }
  }
  return model;
}

} // namespace

void register_mixtral() {
  register_architecture("mixtral", make_mixtral);
}

} // namespace mlxcpp::lm::models
