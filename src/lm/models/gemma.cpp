// Gemma, Gemma 2 and Gemma 3 (text). All scale the embeddings by sqrt(hidden_size) and store
// norm gains minus one. Gemma 2 and 3 wrap attention and MLP in "sandwich" norms (before and
// after each branch), alternate sliding-window and global layers, and scale queries by
// query_pre_attn_scalar^-0.5. Gemma 2 soft-caps attention scores and final logits; Gemma 3
// normalizes q and k per head and gives sliding layers their own rotary base.
#include <cmath>

#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

float eps_of(const Config& c) {
  return c.get_float("rms_norm_eps", 1e-6f);
}

struct GemmaMLP : GatedMLP {
  explicit GemmaMLP(const Config& c)
      : GatedMLP(c.get_int("hidden_size"), c.get_int("intermediate_size"), false,
                 nn::activation_by_name(c.get_string(
                     "hidden_activation", c.get_string("hidden_act", "gelu_pytorch_tanh")))) {}
};

// Gemma 1: the pre-norm block with (1 + w) norms.
class Block1 : public nn::Module {
public:
  Block1(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, eps_of(c), 1.0f), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, eps_of(c), 1.0f), mlp(c) {
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
  Attention self_attn;
  nn::RMSNorm post_attention_layernorm;
  GemmaMLP mlp;
};

// Gemma 2 and 3: sandwich norms around attention and MLP.
class Block2 : public nn::Module {
public:
  Block2(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, eps_of(c), 1.0f), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, eps_of(c), 1.0f),
        pre_feedforward_layernorm(attn.hidden_size, eps_of(c), 1.0f), mlp(c),
        post_feedforward_layernorm(attn.hidden_size, eps_of(c), 1.0f) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("post_attention_layernorm", post_attention_layernorm);
    register_module("pre_feedforward_layernorm", pre_feedforward_layernorm);
    register_module("mlp", mlp);
    register_module("post_feedforward_layernorm", post_feedforward_layernorm);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, post_attention_layernorm(self_attn(input_layernorm(x), cache)));
    return mx::add(h, post_feedforward_layernorm(mlp(pre_feedforward_layernorm(h))));
  }
  nn::RMSNorm input_layernorm;
  Attention self_attn;
  nn::RMSNorm post_attention_layernorm;
  nn::RMSNorm pre_feedforward_layernorm;
  GemmaMLP mlp;
  nn::RMSNorm post_feedforward_layernorm;
};

std::unique_ptr<nn::RMSNorm> gemma_final_norm(const Config& c) {
  return std::make_unique<nn::RMSNorm>(c.get_int("hidden_size"), eps_of(c), 1.0f);
}

template <typename Block>
class Gemma : public DecoderLM<Block> {
public:
  using Base = DecoderLM<Block>;
  Gemma(const nlohmann::json& json, const typename Base::BlockFactory& make_block)
      : Base(json, make_block, gemma_final_norm),
        final_softcap_(this->config.get_float("final_logit_softcapping", 0.0f)) {}

protected:
  array embed(const array& tokens) override {
    auto h = this->embed_tokens(tokens);
    auto scale = std::sqrt(static_cast<float>(this->config.get_int("hidden_size")));
    return mx::multiply(h, mx::array(scale, h.dtype()));
  }
  array head(const array& h) override {
    auto logits = Base::head(h);
    if (final_softcap_ > 0) {
      auto cap = mx::array(final_softcap_, logits.dtype());
      logits = mx::multiply(mx::tanh(mx::divide(logits, cap)), cap);
    }
    return logits;
  }

private:
  float final_softcap_;
};

// Which layers use the sliding window: layer_types when given; otherwise Gemma 2 alternates
// (even layers slide) and Gemma 3 makes every sliding_window_pattern-th layer global.
std::vector<bool> sliding_layers(const Config& c, int n, int pattern) {
  std::vector<bool> sliding(n, false);
  if (c.has("layer_types")) {
    auto& types = c.raw()["layer_types"];
    for (int i = 0; i < n && i < static_cast<int>(types.size()); ++i) {
      sliding[i] = types[i].get<std::string>() == "sliding_attention";
    }
  } else {
    for (int i = 0; i < n; ++i) {
      sliding[i] = (i + 1) % pattern != 0;
    }
  }
  return sliding;
}

template <typename Model>
void mark_sliding(Model& model, const std::vector<bool>& sliding, int window) {
  model.window = window;
  for (size_t i = 0; i < sliding.size(); ++i) {
    if (sliding[i]) {
      model.windowed_layers.push_back(static_cast<int>(i));
    }
  }
}

std::unique_ptr<Model> make_gemma(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  return std::make_unique<Gemma<Block1>>(
      json, [&](const Config& config, int) { return std::make_unique<Block1>(config, attn); });
}

std::unique_ptr<Model> make_gemma2(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.scale =
      1.0f / std::sqrt(c.get_float("query_pre_attn_scalar", static_cast<float>(attn.head_dim)));
  attn.logit_softcap = c.get_float("attn_logit_softcapping", 0.0f);
  int window = c.get_int("sliding_window", 0);
  auto sliding = sliding_layers(c, c.get_int("num_hidden_layers"), 2);
  auto model = std::make_unique<Gemma<Block2>>(json, [&](const Config& config, int layer) {
    auto a = attn;
    a.sliding_window = sliding[layer] ? window : 0;
    return std::make_unique<Block2>(config, a);
  });
  mark_sliding(*model, sliding, window);
  return model;
}

std::unique_ptr<Model> make_gemma3(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.scale =
      1.0f / std::sqrt(c.get_float("query_pre_attn_scalar", static_cast<float>(attn.head_dim)));
  attn.qk_norm = true;
  attn.qk_norm_offset = 1.0f;
  attn.logit_softcap = c.get_float("attn_logit_softcapping", 0.0f);
  int window = c.get_int("sliding_window", 0);
  auto sliding =
      sliding_layers(c, c.get_int("num_hidden_layers"),
                     c.get_int("sliding_window_pattern", c.get_int("_sliding_window_pattern", 6)));
  auto model = std::make_unique<Gemma<Block2>>(json, [&](const Config& config, int layer) {
    auto a = attn;
    a.sliding_window = sliding[layer] ? window : 0;
    auto rope =
        config.rope(a.head_dim, false, sliding[layer] ? "sliding_attention" : "full_attention");
    if (sliding[layer] && config.has("rope_local_base_freq")) {
      // Older configs: sliding layers use rope_local_base_freq without scaling.
      rope = config.rope(a.head_dim, false, "sliding_attention");
      rope.base = config.get_float("rope_local_base_freq");
      rope.type = "default";
    }
    a.rope = rope;
    return std::make_unique<Block2>(config, a);
  });
  mark_sliding(*model, sliding, window);
  return model;
}

} // namespace

void register_gemma() {
  register_architecture("gemma", make_gemma);
  register_architecture("gemma2", make_gemma2);
  register_architecture("gemma3_text", make_gemma3);
}

} // namespace mlxcpp::lm::models
