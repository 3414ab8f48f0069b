// EXAONE 4: norms after each branch, per-head q/k RMSNorms, and a hybrid of sliding-window
// layers (with rotary embeddings) and global layers (without them when a window is
// configured).
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : self_attn(attn), post_attention_layernorm(attn.hidden_size, attn.norm_eps), mlp(c),
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
  Attention self_attn;
  nn::RMSNorm post_attention_layernorm;
  StandardMLP mlp;
  nn::RMSNorm post_feedforward_layernorm;
};

std::vector<bool> sliding_layers(const Config& c, int n) {
  std::vector<bool> sliding(n, false);
  if (c.has("layer_types")) {
    auto& types = c.raw()["layer_types"];
    for (int i = 0; i < n && i < static_cast<int>(types.size()); ++i) {
      sliding[i] = types[i].get<std::string>() == "sliding_attention";
    }
  } else if (c.has("sliding_window_pattern") && c.raw()["sliding_window_pattern"].is_string()) {
    auto pattern = c.raw()["sliding_window_pattern"].get<std::string>(); // e.g. "LLLG"
    for (int i = 0; i < n && !pattern.empty(); ++i) {
      sliding[i] = pattern[i % pattern.size()] == 'L';
    }
  }
  return sliding;
}

std::unique_ptr<Model> make_exaone4(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qk_norm = true;
  int window = c.get_int("sliding_window", 0);
  int n = c.get_int("num_hidden_layers");
  auto sliding = window > 0 ? sliding_layers(c, n) : std::vector<bool>(n, false);
  auto model = std::make_unique<DecoderLM<Block>>(
      json,
      [&](const Config& config, int layer) {
        auto a = attn;
        if (window > 0) {
          a.sliding_window = sliding[layer] ? window : 0;
          if (!sliding[layer]) {
            a.rope.reset(); // global layers carry no position signal of their own
          }
        }
        return std::make_unique<Block>(config, a);
      },
      final_rms_norm);
  model->window = window;
  for (int i = 0; i < n; ++i) {
    if (sliding[i]) {
      model->windowed_layers.push_back(i);
    }
  }
  return model;
}

} // namespace

void register_exaone4() {
  register_architecture("exaone4", make_exaone4);
}

} // namespace mlxcpp::lm::models
