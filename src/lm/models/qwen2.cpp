// Qwen2: Llama's structure with biases on the q, k and v projections (not on o).
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

using Block = PreNormBlock<StandardMLP>;

std::unique_ptr<Model> make_qwen2(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qkv_bias = true;
  attn.o_bias = false;
  return std::make_unique<DecoderLM<Block>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      final_rms_norm);
}

} // namespace

void register_qwen2() {
  register_architecture("qwen2", make_qwen2);
}

} // namespace mlxcpp::lm::models
