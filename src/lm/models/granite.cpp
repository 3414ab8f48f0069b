// Granite: Llama's structure with four multipliers: the embeddings are scaled, attention uses
// attention_multiplier as its softmax scale, each residual branch is scaled, and the logits
// are divided by logits_scaling.
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

class Block : public PreNormBlock<StandardMLP> {
public:
  Block(const Config& c, const AttentionOptions& attn)
      : PreNormBlock(c, attn), residual_(c.get_float("residual_multiplier", 1.0f)) {}

  array operator()(const array& x, KVCache& cache) const {
    auto r = mx::array(residual_, x.dtype());
    auto h = mx::add(x, mx::multiply(self_attn(input_layernorm(x), cache), r));
    return mx::add(h, mx::multiply(mlp(post_attention_layernorm(h)), r));
  }

private:
  float residual_;
};

class Granite : public DecoderLM<Block> {
public:
  Granite(const nlohmann::json& json, const AttentionOptions& attn)
      : DecoderLM(
            json, [&](const Config& c, int) { return std::make_unique<Block>(c, attn); },
            final_rms_norm),
        embedding_multiplier_(config.get_float("embedding_multiplier", 1.0f)),
        logits_scaling_(config.get_float("logits_scaling", 1.0f)) {}

protected:
  array embed(const array& tokens) override {
    auto h = embed_tokens(tokens);
    return mx::multiply(h, mx::array(embedding_multiplier_, h.dtype()));
  }
  array head(const array& h) override {
    auto logits = DecoderLM::head(h);
    return mx::divide(logits, mx::array(logits_scaling_, logits.dtype()));
  }

private:
  float embedding_multiplier_;
  float logits_scaling_;
};

std::unique_ptr<Model> make_granite(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.scale =
      c.get_float("attention_multiplier", 1.0f / std::sqrt(static_cast<float>(attn.head_dim)));
  return std::make_unique<Granite>(json, attn);
}

} // namespace

void register_granite() {
  register_architecture("granite", make_granite);
}

} // namespace mlxcpp::lm::models
