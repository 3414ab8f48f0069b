// Llama (and Mistral): pre-norm decoder blocks, grouped-query attention with rotary
// embeddings, gated SiLU MLP.
#include <nlohmann/json.hpp>

#include "mlx/ops.h"
#include "mlxcpp/lm/blocks.h"
#include "mlxcpp/lm/config.h"
#include "mlxcpp/lm/model.h"

namespace mlxcpp::lm::models {

namespace mx = mlx::core;

namespace {

class Block : public nn::Module {
 public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)), self_attn(attn),
        post_attention_layernorm(attn.hidden_size, c.get_float("rms_norm_eps", 1e-6f)),
        mlp(attn.hidden_size, c.get_int("intermediate_size"), c.get_bool("mlp_bias", false),
            nn::activation_by_name(c.get_string("hidden_act", "silu"))) {
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
  GatedMLP mlp;
};

class Llama : public Model {
 public:
  explicit Llama(const nlohmann::json& json)
      : config_(json), embed_tokens_(config_.get_int("vocab_size"), config_.get_int("hidden_size")),
        norm_(config_.get_int("hidden_size"), config_.get_float("rms_norm_eps", 1e-6f)),
        tied_(config_.get_bool("tie_word_embeddings", false)) {
    auto attn = attention_options(config_);
    sliding_window_ = config_.get_int("sliding_window", 0);
    attn.sliding_window = sliding_window_;
    int n = config_.get_int("num_hidden_layers");
    for (int i = 0; i < n; ++i) {
      layers_.push_back(std::make_unique<Block>(config_, attn));
      model_.add("layers." + std::to_string(i), *layers_.back());
    }
    model_.add("embed_tokens", embed_tokens_);
    model_.add("norm", norm_);
    register_module("model", model_);
    if (!tied_) {
      lm_head_ = std::make_unique<nn::Linear>(config_.get_int("hidden_size"),
                                              config_.get_int("vocab_size"), false);
      register_module("lm_head", *lm_head_);
    }
  }

  array forward(const array& tokens, Cache& cache) override {
    auto h = embed_tokens_(tokens);
    for (size_t i = 0; i < layers_.size(); ++i) {
      h = (*layers_[i])(h, *cache[i]);
    }
    h = norm_(h);
    return tied_ ? embed_tokens_.as_linear(h) : (*lm_head_)(h);
  }

  int num_layers() const override { return static_cast<int>(layers_.size()); }
  int vocab_size() const override { return config_.get_int("vocab_size"); }

  std::vector<int> sliding_window_layers() const override {
    std::vector<int> all;
    if (sliding_window_ > 0) {
      for (int i = 0; i < num_layers(); ++i) {
        all.push_back(i);
      }
    }
    return all;
  }
  int sliding_window() const override { return sliding_window_; }

  WeightMap sanitize(WeightMap weights) const override {
    // Rotary frequency buffers are recomputed, and a tied model has no separate head.
    std::erase_if(weights, [&](const auto& kv) {
      return kv.first.find("rotary_emb.inv_freq") != std::string::npos ||
             (tied_ && kv.first.rfind("lm_head.", 0) == 0);
    });
    return weights;
  }

 private:
  Config config_;
  ModuleGroup model_; // "model." prefix of the checkpoint's names
  nn::Embedding embed_tokens_;
  std::vector<std::unique_ptr<Block>> layers_;
  nn::RMSNorm norm_;
  std::unique_ptr<nn::Linear> lm_head_;
  bool tied_;
  int sliding_window_ = 0;
};

} // namespace

void register_llama() {
  auto make = [](const nlohmann::json& config) -> std::unique_ptr<Model> {
    return std::make_unique<Llama>(config);
  };
  register_architecture("llama", make);
  register_architecture("mistral", make);
}

} // namespace mlxcpp::lm::models
