// Qwen3-MoE and Qwen2-MoE: sparse experts chosen from the softmax over all router logits
// (renormalized over the chosen ones when norm_topk_prob). Qwen2-MoE adds a shared expert
// gated by a sigmoid. Layers listed in mlp_only_layers, or off the decoder_sparse_step, use a
// dense MLP.
#include <algorithm>

#include "lm/models/decoder.h"
#include "mlxcpp/lm/moe.h"

namespace mlxcpp::lm::models {

namespace {

// Older configs name it num_experts; transformers 5 writes num_local_experts.
int num_experts(const Config& c) {
  return c.has("num_experts") ? c.get_int("num_experts") : c.get_int("num_local_experts");
}

class MoE : public nn::Module {
public:
  MoE(const Config& c, bool shared_expert)
      : gate(c.get_int("hidden_size"), num_experts(c), false),
        switch_mlp(c.get_int("hidden_size"), c.get_int("moe_intermediate_size"), num_experts(c),
                   nn::activation_by_name(c.get_string("hidden_act", "silu"))),
        k_(c.get_int("num_experts_per_tok")), normalize_(c.get_bool("norm_topk_prob", false)) {
    register_module("gate", gate);
    register_module("switch_mlp", switch_mlp);
    if (shared_expert) {
      shared = std::make_unique<GatedMLP>(
          c.get_int("hidden_size"), c.get_int("shared_expert_intermediate_size"), false,
          nn::activation_by_name(c.get_string("hidden_act", "silu")));
      shared_gate = std::make_unique<Linear>(c.get_int("hidden_size"), 1, false);
      register_module("shared_expert", *shared);
      register_module("shared_expert_gate", *shared_gate);
    }
  }

  array operator()(const array& x) const {
    auto probs = mx::softmax(mx::astype(gate(x), mx::float32), -1, true);
    auto [inds, weights] = top_k_experts(probs, k_);
    if (normalize_) {
      weights = mx::divide(weights, mx::sum(weights, -1, true));
    }
    auto y = switch_mlp(x, inds);
    auto out = mx::sum(mx::multiply(y, mx::expand_dims(mx::astype(weights, y.dtype()), -1)), -2);
    if (shared) {
      out = mx::add(out, mx::multiply(mx::sigmoid((*shared_gate)(x)), (*shared)(x)));
    }
    return out;
  }

  Linear gate;
  SwitchGLU switch_mlp;
  std::unique_ptr<GatedMLP> shared;
  std::unique_ptr<Linear> shared_gate;

private:
  int k_;
  bool normalize_;
};

// The block's MLP is either dense or MoE, depending on the layer.
class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn, bool sparse, bool shared_expert)
      : input_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("post_attention_layernorm", post_attention_layernorm);
    if (sparse) {
      moe = std::make_unique<MoE>(c, shared_expert);
      register_module("mlp", *moe);
    } else {
      dense = std::make_unique<StandardMLP>(c);
      register_module("mlp", *dense);
    }
  }

  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, self_attn(input_layernorm(x), cache));
    auto n = post_attention_layernorm(h);
    return mx::add(h, moe ? (*moe)(n) : (*dense)(n));
  }

  nn::RMSNorm input_layernorm;
  Attention self_attn;
  nn::RMSNorm post_attention_layernorm;
  std::unique_ptr<MoE> moe;
  std::unique_ptr<StandardMLP> dense;
};

class QwenMoE : public DecoderLM<Block> {
public:
  QwenMoE(const nlohmann::json& json, const AttentionOptions& attn, bool shared_expert)
      : DecoderLM(
            json,
            [&](const Config& c, int layer) {
              return std::make_unique<Block>(c, attn, is_sparse(c, layer), shared_expert);
            },
            final_rms_norm) {}

  static bool is_sparse(const Config& c, int layer) {
    std::vector<int> dense_layers;
    if (c.has("mlp_only_layers")) {
      dense_layers = c.get_int_list("mlp_only_layers");
    }
    int step = c.get_int("decoder_sparse_step", 1);
    bool listed = std::find(dense_layers.begin(), dense_layers.end(), layer) != dense_layers.end();
    return !listed && num_experts(c) > 0 && step > 0 && (layer + 1) % step == 0;
  }

  WeightMap sanitize(WeightMap weights) const override {
    weights = DecoderLM::sanitize(std::move(weights));
    int experts = num_experts(config);
    for (int i = 0; i < num_layers(); ++i) {
      weights = stack_experts(
          std::move(weights), "model.layers." + std::to_string(i) + ".mlp", experts,
          {{"gate_proj", "gate_proj"}, {"up_proj", "up_proj"}, {"down_proj", "down_proj"}});
    }
    return weights;
  }
};

std::unique_ptr<Model> make_qwen3_moe(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qk_norm = true;
  return std::make_unique<QwenMoE>(json, attn, false);
}

std::unique_ptr<Model> make_qwen2_moe(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qkv_bias = true;
  attn.o_bias = false;
  return std::make_unique<QwenMoE>(json, attn, true);
}

} // namespace

void register_qwen3_moe() {
  register_architecture("qwen3_moe", make_qwen3_moe);
  register_architecture("qwen2_moe", make_qwen2_moe);
}

} // namespace mlxcpp::lm::models
