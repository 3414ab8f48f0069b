// DeepSeek-V3: multi-head latent attention (queries and keys/values through low-rank
// projections, a shared rotary key head, different key and value head sizes) and a mixture of
// experts routed by sigmoid scores with grouped top-k selection, a score-correction bias, and
// shared experts. The first first_k_dense_replace layers use a dense MLP.
#include <cmath>

#include "mlx/fast.h"

#include "lm/models/decoder.h"
#include "mlxcpp/lm/moe.h"

namespace mlxcpp::lm::models {

namespace {

struct MlaOptions {
  int hidden, heads, q_lora_rank, kv_lora_rank, nope, rope, v;
  float eps;
  float scale;
  nn::RopeConfig rope_config;
};

class MLA : public nn::Module {
public:
  explicit MLA(const MlaOptions& o)
      : kv_a_proj_with_mqa(o.hidden, o.kv_lora_rank + o.rope, false),
        kv_a_layernorm(o.kv_lora_rank, o.eps),
        kv_b_proj(o.kv_lora_rank, o.heads * (o.nope + o.v), false),
        o_proj(o.heads * o.v, o.hidden, false), options_(o), rope_(o.rope_config) {
    if (o.q_lora_rank > 0) {
      q_a_proj = std::make_unique<Linear>(o.hidden, o.q_lora_rank, false);
      q_a_layernorm = std::make_unique<nn::RMSNorm>(o.q_lora_rank, o.eps);
      q_b_proj = std::make_unique<Linear>(o.q_lora_rank, o.heads * (o.nope + o.rope), false);
      register_module("q_a_proj", *q_a_proj);
      register_module("q_a_layernorm", *q_a_layernorm);
      register_module("q_b_proj", *q_b_proj);
    } else {
      q_proj = std::make_unique<Linear>(o.hidden, o.heads * (o.nope + o.rope), false);
      register_module("q_proj", *q_proj);
    }
    register_module("kv_a_proj_with_mqa", kv_a_proj_with_mqa);
    register_module("kv_a_layernorm", kv_a_layernorm);
    register_module("kv_b_proj", kv_b_proj);
    register_module("o_proj", o_proj);
  }

  array operator()(const array& x, KVCache& cache) const {
    const auto& o = options_;
    int B = x.shape(0), L = x.shape(1);
    auto q = q_proj ? (*q_proj)(x) : (*q_b_proj)((*q_a_layernorm)((*q_a_proj)(x)));
    q = mx::transpose(mx::reshape(q, {B, L, o.heads, o.nope + o.rope}), {0, 2, 1, 3});
    auto q_parts = mx::split(q, mx::Shape{o.nope}, -1); // [nope, rope]

    auto compressed = mx::split(kv_a_proj_with_mqa(x), mx::Shape{o.kv_lora_rank}, -1);
    auto kv = kv_b_proj(kv_a_layernorm(compressed[0]));
    kv = mx::transpose(mx::reshape(kv, {B, L, o.heads, o.nope + o.v}), {0, 2, 1, 3});
    auto kv_parts = mx::split(kv, mx::Shape{o.nope}, -1); // [k_nope, values]
    auto k_rot = mx::reshape(compressed[1], {B, 1, L, o.rope});

    int offset = cache.offset();
    auto q_rot = rope_(q_parts[1], offset);
    k_rot = rope_(k_rot, offset);
    k_rot = mx::broadcast_to(k_rot, {B, o.heads, L, o.rope});
    auto queries = mx::concatenate({q_parts[0], q_rot}, -1);
    auto keys_new = mx::concatenate({kv_parts[0], k_rot}, -1);
    auto [keys, values] = cache.update_and_fetch(keys_new, kv_parts[1]);
    auto mask = make_attention_mask(L, offset, keys.shape(2), 0, cache.left_padding());
    auto out = mx::fast::scaled_dot_product_attention(queries, keys, values, o.scale, mask.mode,
                                                      mask.mask);
    return o_proj(mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, o.heads * o.v}));
  }

  std::unique_ptr<Linear> q_proj, q_a_proj, q_b_proj;
  std::unique_ptr<nn::RMSNorm> q_a_layernorm;
  Linear kv_a_proj_with_mqa;
  nn::RMSNorm kv_a_layernorm;
  Linear kv_b_proj, o_proj;

private:
  MlaOptions options_;
  nn::RoPE rope_;
};

// The router: a Linear over the experts plus a per-expert bias used only for choosing.
class Router : public Linear {
public:
  Router(int hidden, int experts)
      : Linear(hidden, experts, false), e_score_correction_bias(mx::zeros({experts})) {
    register_parameter("e_score_correction_bias", e_score_correction_bias);
  }
  array e_score_correction_bias;
};

class MoE : public nn::Module {
public:
  explicit MoE(const Config& c)
      : gate(c.get_int("hidden_size"), c.get_int("n_routed_experts")),
        switch_mlp(c.get_int("hidden_size"), c.get_int("moe_intermediate_size"),
                   c.get_int("n_routed_experts"),
                   nn::activation_by_name(c.get_string("hidden_act", "silu"))),
        experts_(c.get_int("n_routed_experts")), k_(c.get_int("num_experts_per_tok")),
        groups_(c.get_int("n_group", 1)), topk_groups_(c.get_int("topk_group", 1)),
        scaling_(c.get_float("routed_scaling_factor", 1.0f)),
        normalize_(c.get_bool("norm_topk_prob", true)) {
    register_module("gate", gate);
    register_module("switch_mlp", switch_mlp);
    int shared = c.get_int("n_shared_experts", 0);
    if (shared > 0) {
      shared_experts = std::make_unique<GatedMLP>(
          c.get_int("hidden_size"), c.get_int("moe_intermediate_size") * shared, false,
          nn::activation_by_name(c.get_string("hidden_act", "silu")));
      register_module("shared_experts", *shared_experts);
    }
  }

  array operator()(const array& x) const {
    auto scores = mx::sigmoid(mx::astype(gate(x), mx::float32));
    auto choice = mx::add(scores, mx::astype(gate.e_score_correction_bias, mx::float32));
    if (groups_ > 1) {
      // Keep the experts of the topk_group groups whose two best experts score highest.
      auto shape = choice.shape();
      auto grouped_shape = shape;
      grouped_shape.back() = groups_;
      grouped_shape.push_back(experts_ / groups_);
      auto grouped = mx::reshape(choice, grouped_shape);
      auto group_scores = mx::sum(mx::topk(grouped, std::min(2, experts_ / groups_), -1), -1);
      auto [group_idx, unused] = top_k_experts(group_scores, topk_groups_);
      auto keep_group = mx::put_along_axis(mx::zeros(group_scores.shape(), mx::bool_),
                                           mx::astype(group_idx, mx::int32), mx::array(true), -1);
      auto keep =
          mx::reshape(mx::broadcast_to(mx::expand_dims(keep_group, -1), grouped_shape), shape);
      choice = mx::where(keep, choice, mx::array(0.0f));
    }
    auto [inds, chosen] = top_k_experts(choice, k_);
    auto weights = mx::take_along_axis(scores, mx::astype(inds, mx::int32), -1);
    if (normalize_) {
      weights = mx::divide(weights, mx::add(mx::sum(weights, -1, true), mx::array(1e-20f)));
    }
    weights = mx::multiply(weights, mx::array(scaling_));
    auto y = switch_mlp(x, inds);
    auto out = mx::sum(mx::multiply(y, mx::expand_dims(mx::astype(weights, y.dtype()), -1)), -2);
    if (shared_experts) {
      out = mx::add(out, (*shared_experts)(x));
    }
    return out;
  }

  Router gate;
  SwitchGLU switch_mlp;
  std::unique_ptr<GatedMLP> shared_experts;

private:
  int experts_, k_, groups_, topk_groups_;
  float scaling_;
  bool normalize_;
};

class Block : public nn::Module {
public:
  Block(const Config& c, const MlaOptions& attn, bool sparse)
      : input_layernorm(attn.hidden, attn.eps), self_attn(attn),
        post_attention_layernorm(attn.hidden, attn.eps) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("post_attention_layernorm", post_attention_layernorm);
    if (sparse) {
      moe = std::make_unique<MoE>(c);
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
  MLA self_attn;
  nn::RMSNorm post_attention_layernorm;
  std::unique_ptr<MoE> moe;
  std::unique_ptr<StandardMLP> dense;
};

float yarn_mscale(float factor, float mscale) {
  return factor <= 1 ? 1.0f : 0.1f * mscale * std::log(factor) + 1.0f;
}

MlaOptions mla_options(const Config& c) {
  MlaOptions o;
  o.hidden = c.get_int("hidden_size");
  o.heads = c.get_int("num_attention_heads");
  o.q_lora_rank = c.get_int("q_lora_rank", 0);
  o.kv_lora_rank = c.get_int("kv_lora_rank");
  o.nope = c.get_int("qk_nope_head_dim");
  o.rope = c.get_int("qk_rope_head_dim");
  o.v = c.get_int("v_head_dim");
  o.eps = c.get_float("rms_norm_eps", 1e-6f);
  o.rope_config = c.rope(o.rope, c.get_bool("rope_interleave", true));
  o.scale = 1.0f / std::sqrt(static_cast<float>(o.nope + o.rope));
  if (o.rope_config.type == "yarn" && o.rope_config.mscale_all_dim &&
      *o.rope_config.mscale_all_dim != 0) {
    float m = yarn_mscale(o.rope_config.factor, *o.rope_config.mscale_all_dim);
    o.scale *= m * m;
  }
  return o;
}

class DeepseekV3 : public DecoderLM<Block> {
public:
  DeepseekV3(const nlohmann::json& json, const MlaOptions& attn)
      : DecoderLM(
            json,
            [&](const Config& c, int layer) {
              return std::make_unique<Block>(c, attn,
                                             layer >= c.get_int("first_k_dense_replace", 0) &&
                                                 c.get_int("n_routed_experts", 0) > 0);
            },
            final_rms_norm) {}

  WeightMap sanitize(WeightMap weights) const override {
    weights = DecoderLM::sanitize(std::move(weights));
    // Multi-token-prediction layers past num_hidden_layers are not part of the model.
    std::erase_if(weights, [&](const auto& kv) {
      const std::string prefix = "model.layers.";
      if (kv.first.rfind(prefix, 0) != 0) {
        return false;
      }
      return std::stoi(kv.first.substr(prefix.size())) >= num_layers();
    });
    int experts = config.get_int("n_routed_experts", 0);
    for (int i = 0; i < num_layers(); ++i) {
      weights = stack_experts(
          std::move(weights), "model.layers." + std::to_string(i) + ".mlp", experts,
          {{"gate_proj", "gate_proj"}, {"up_proj", "up_proj"}, {"down_proj", "down_proj"}});
    }
    return weights;
  }
};

std::unique_ptr<Model> make_deepseek_v3(const nlohmann::json& json) {
  Config c(json);
  return std::make_unique<DeepseekV3>(json, mla_options(c));
}

} // namespace

void register_deepseek_v3() {
  register_architecture("deepseek_v3", make_deepseek_v3);
}

} // namespace mlxcpp::lm::models
