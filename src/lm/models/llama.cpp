// Llama and Mistral: pre-norm blocks, grouped-query attention with rotary embeddings (Llama
// 3's frequency scaling included), gated SiLU MLP; Mistral may use a sliding window.
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

using Block = PreNormBlock<StandardMLP>;

std::unique_ptr<Model> make_llama(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.sliding_window = c.get_int("sliding_window", 0);
  auto model = std::make_unique<DecoderLM<Block>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      final_rms_norm);
  if (attn.sliding_window > 0) {
    model->window = attn.sliding_window;
    for (int i = 0; i < model->num_layers(); ++i) {
      model->windowed_layers.push_back(i);
    }
  }
  return model;
}

} // namespace

void register_llama() {
  register_architecture("llama", make_llama);
  register_architecture("mistral", make_llama);
}

} // namespace mlxcpp::lm::models
