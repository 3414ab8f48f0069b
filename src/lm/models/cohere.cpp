// Cohere (Command R): one LayerNorm (no bias) feeding attention and MLP in parallel,
// interleaved rotary embeddings, and logits scaled by logit_scale.
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

float eps_of(const Config& c) {
  return c.get_float("layer_norm_eps", 1e-5f);
}

class Block : public nn::Module {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : input_layernorm(attn.hidden_size, eps_of(c), true, false), self_attn(attn), mlp(c) {
    register_module("input_layernorm", input_layernorm);
    register_module("self_attn", self_attn);
    register_module("mlp", mlp);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto n = input_layernorm(x);
    return mx::add(mx::add(x, self_attn(n, cache)), mlp(n));
  }
  nn::LayerNorm input_layernorm;
  Attention self_attn;
  StandardMLP mlp;
};

class Cohere : public DecoderLM<Block, nn::LayerNorm> {
public:
  Cohere(const nlohmann::json& json, const AttentionOptions& attn)
      : DecoderLM(
            json, [&](const Config& c, int) { return std::make_unique<Block>(c, attn); },
            [](const Config& c) {
              return std::make_unique<nn::LayerNorm>(c.get_int("hidden_size"), eps_of(c), true,
                                                     false);
            }),
        logit_scale_(config.get_float("logit_scale", 1.0f)) {}

protected:
  array head(const array& h) override {
    auto logits = DecoderLM::head(h);
    return mx::multiply(logits, mx::array(logit_scale_, logits.dtype()));
  }

private:
  float logit_scale_;
};

std::unique_ptr<Model> make_cohere(const nlohmann::json& json) {
  Config c(json);
  if (c.get_bool("use_qk_norm", false)) {
    throw std::runtime_error("Cohere models with use_qk_norm are not supported yet.");
  }
  auto attn = attention_options(c);
  attn.rope->traditional = true;
  return std::make_unique<Cohere>(json, attn);
}

} // namespace

void register_cohere() {
  register_architecture("cohere", make_cohere);
}

} // namespace mlxcpp::lm::models
