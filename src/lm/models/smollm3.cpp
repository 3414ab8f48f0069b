// SmolLM3: Llama's structure where some layers skip the rotary embedding (no_rope_layers[i]
// is 1 for layers that use it).
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

using Block = PreNormBlock<StandardMLP>;

std::unique_ptr<Model> make_smollm3(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  std::vector<int> use_rope;
  if (c.has("no_rope_layers")) {
    use_rope = c.get_int_list("no_rope_layers");
  }
  return std::make_unique<DecoderLM<Block>>(
      json,
      [&](const Config& config, int layer) {
        auto layer_attn = attn;
        if (layer < static_cast<int>(use_rope.size()) && use_rope[layer] == 0) {
          layer_attn.rope.reset();
        }
        return std::make_unique<Block>(config, layer_attn);
      },
      final_rms_norm);
}

} // namespace

void register_smollm3() {
  register_architecture("smollm3", make_smollm3);
}

} // namespace mlxcpp::lm::models
