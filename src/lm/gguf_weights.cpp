// GGUF tensor names -> Hugging Face names, undoing what llama.cpp's converter changed.
#include <stdexcept>

#include "mlx/ops.h"

#include "lm/gguf_architectures.h"
#include "mlxcpp/lm/gguf.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

namespace {

std::string shape_string(const mx::Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + ")";
}

enum class Norms { any, plain, sandwich };

struct LayerName {
  const char* gguf;
  const char* hf;
  Norms norms; // which norm layout the name belongs to
};

// Gemma 2/3 normalise before and after both attention and the MLP ("sandwich" norms), so
// their ffn_norm is the norm before the MLP rather than the one after attention.
constexpr LayerName layer_names[] = {
    {"attn_norm", "input_layernorm", Norms::any},
    {"attn_q", "self_attn.q_proj", Norms::any},
    {"attn_k", "self_attn.k_proj", Norms::any},
    {"attn_v", "self_attn.v_proj", Norms::any},
    {"attn_output", "self_attn.o_proj", Norms::any},
    {"attn_q_norm", "self_attn.q_norm", Norms::any},
    {"attn_k_norm", "self_attn.k_norm", Norms::any},
    {"ffn_gate", "mlp.gate_proj", Norms::any},
    {"ffn_up", "mlp.up_proj", Norms::any},
    {"ffn_down", "mlp.down_proj", Norms::any},
    {"ffn_norm", "post_attention_layernorm", Norms::plain},
    {"post_attention_norm", "post_attention_layernorm", Norms::sandwich},
    {"ffn_norm", "pre_feedforward_layernorm", Norms::sandwich},
    {"post_ffw_norm", "post_feedforward_layernorm", Norms::sandwich},
};

constexpr std::pair<const char*, const char*> global_names[] = {
    {"token_embd", "model.embed_tokens"}, {"output_norm", "model.norm"}, {"output", "lm_head"}};

bool applies(const LayerName& n, bool sandwich_norms) {
  return n.norms == Norms::any || (n.norms == Norms::sandwich) == sandwich_norms;
}

// "x.weight" -> {"x", ".weight"}.
std::pair<std::string, std::string> split_suffix(const std::string& name) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos) {
    return {name, ""};
  }
  return {name.substr(0, dot), name.substr(dot)};
}

bool is_tensor_suffix(const std::string& s) {
  return s == ".weight" || s == ".bias" || s == ".scales" || s == ".biases";
}

// The Hugging Face module of a GGUF tensor's base name, and the layer part ("attn_q").
std::optional<std::string> hf_module(const std::string& base, bool sandwich_norms,
                                     std::string& layer_part) {
  for (const auto& [gguf, hf] : global_names) {
    if (base == gguf) {
      return hf;
    }
  }
  if (base.rfind("blk.", 0) != 0) {
    return std::nullopt;
  }
  auto second = base.find('.', 4);
  if (second == std::string::npos || second == 4 ||
      base.find_first_not_of("0123456789", 4) != second) {
    return std::nullopt;
  }
  layer_part = base.substr(second + 1);
  for (const auto& n : layer_names) {
    if (layer_part == n.gguf && applies(n, sandwich_norms)) {
      return "model.layers." + base.substr(4, second - 4) + "." + n.hf;
    }
  }
  return std::nullopt;
}

// The converter's permutation for llama's rotary layout viewed each head's rows as
// [2, d/2] and stored them as [d/2, 2] (row h*d + 2i + j holds Hugging Face row
// h*d + j*d/2 + i). Reading them back as [d/2, 2] and swapping gives Hugging Face's order.
// Rows are the first axis of a weight, a bias, and a quantized weight's packed words, scales
// and biases alike, so all of them un-permute the same way.
mx::array unpermute_rows(const mx::array& a, int heads, const std::string& name) {
  int rows = a.shape(0);
  if (heads <= 0 || rows % (2 * heads) != 0) {
    throw std::runtime_error("GGUF tensor '" + name + "' has shape " + shape_string(a.shape()) +
                             ", whose rows do not split into " + std::to_string(heads) +
                             " heads of rotary pairs.");
  }
  mx::Shape split = {heads, rows / heads / 2, 2};
  split.insert(split.end(), a.shape().begin() + 1, a.shape().end());
  return mx::reshape(mx::swapaxes(mx::reshape(a, split), 1, 2), a.shape());
}

} // namespace

namespace detail {

std::optional<std::string> gguf_tensor_name(const std::string& hf_name,
                                            const GGUFArchitecture& arch) {
  auto [module, suffix] = split_suffix(hf_name);
  for (const auto& [gguf, hf] : global_names) {
    if (module == hf) {
      return gguf + suffix;
    }
  }
  const std::string prefix = "model.layers.";
  auto dot = module.find('.', prefix.size());
  if (module.rfind(prefix, 0) != 0 || dot == std::string::npos) {
    return std::nullopt;
  }
  for (const auto& n : layer_names) {
    if (module.compare(dot + 1, std::string::npos, n.hf) == 0 && applies(n, arch.sandwich_norms)) {
      return "blk." + module.substr(prefix.size(), dot - prefix.size()) + "." + n.gguf + suffix;
    }
  }
  return std::nullopt;
}

} // namespace detail

WeightMap gguf_to_hf_weights(GGUFTensors tensors, const nlohmann::json& config) {
  const auto& arch =
      detail::gguf_architecture_of_model_type(config.at("model_type").get<std::string>());
  int heads = config.at("num_attention_heads").get<int>();
  int kv_heads = config.at("num_key_value_heads").get<int>();
  WeightMap out;
  for (auto& [name, tensor] : tensors) {
    if (name == "rope_freqs.weight") {
      continue; // folded into the rotary settings by gguf_config
    }
    auto [base, suffix] = split_suffix(name);
    std::string layer_part;
    auto module = hf_module(base, arch.sandwich_norms, layer_part);
    if (!module || !is_tensor_suffix(suffix)) {
      throw std::runtime_error("GGUF tensor '" + name + "' has no place in a " + arch.name +
                               " model.");
    }
    mx::array value = tensor;
    if (arch.interleaved_qk && (layer_part == "attn_q" || layer_part == "attn_k")) {
      value = unpermute_rows(value, layer_part == "attn_q" ? heads : kv_heads, name);
    }
    bool is_norm = base.size() >= 4 && base.compare(base.size() - 4, 4, "norm") == 0;
    if (arch.norm_gain_plus_one && is_norm && suffix == ".weight") {
      value = mx::subtract(value, mx::array(1.0f, value.dtype()));
    }
    out.insert_or_assign(*module + suffix, value);
  }
  return out;
}

} // namespace mlxcpp::lm
