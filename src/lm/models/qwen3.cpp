// Qwen3: Llama's structure with an RMSNorm over each head of q and k before the rotation.
#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

using Block = PreNormBlock<StandardMLP>;

std::unique_ptr<Model> make_qwen3(const nlohmann::json& json) {
  Config c(json);
  auto attn = attention_options(c);
  attn.qk_norm = true;
  return std::make_unique<DecoderLM<Block>>(
      json, [&](const Config& config, int) { return std::make_unique<Block>(config, attn); },
      final_rms_norm);
}

} // namespace

void register_qwen3() {
  register_architecture("qwen3", make_qwen3);
}

} // namespace mlxcpp::lm::models
