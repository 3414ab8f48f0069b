// The GGUF architectures the LM stack reads, how each differs from its Hugging Face form, and
// the tensor names of both.
#pragma once

#include <optional>
#include <string>

namespace mlxcpp::lm::detail {

struct GGUFArchitecture {
  const char* name;       // general.architecture
  const char* model_type; // config.json's model_type
  // llama.cpp's converter interleaves each head's Q and K rows (its rotary pairs features
  // 2i, 2i+1 where Hugging Face pairs i, i + d/2): blk.N.attn_q/attn_k need un-permuting.
  bool interleaved_qk;
  // Gemma's norms: the converter stores the gain, Hugging Face the gain less one.
  bool norm_gain_plus_one;
  // Gemma 2/3: extra norms around attention and the MLP ("sandwich" norms).
  bool sandwich_norms;
};

// The entry for general.architecture `name`; std::runtime_error listing the supported ones.
const GGUFArchitecture& gguf_architecture(const std::string& name);
// The entry whose model_type is `model_type` (a config made by gguf_config).
const GGUFArchitecture& gguf_architecture_of_model_type(const std::string& model_type);

// The GGUF name of a Hugging Face tensor name (the inverse of gguf_to_hf_weights' renaming),
// for messages about tensors a model expects.
std::optional<std::string> gguf_tensor_name(const std::string& hf_name,
                                            const GGUFArchitecture& arch);

} // namespace mlxcpp::lm::detail
