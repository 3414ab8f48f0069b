// GGUF metadata -> config.json: the keys llama.cpp's converter writes, translated back.
#include <cmath>
#include <stdexcept>

#include "mlx/ops.h"
#include "mlx/transforms.h"

#include "lm/gguf_architectures.h"
#include "lm/gguf_metadata.h"
#include "mlxcpp/lm/gguf.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

namespace detail {

namespace {

// Mistral's Hugging Face checkpoints convert as "llama"; Gemma 3's text model is Hugging
// Face's gemma3_text.
const GGUFArchitecture architectures[] = {
    {"llama", "llama", true, false, false},  {"qwen2", "qwen2", false, false, false},
    {"qwen3", "qwen3", false, false, false}, {"gemma", "gemma", false, true, false},
    {"gemma2", "gemma2", false, true, true}, {"gemma3", "gemma3_text", false, true, true},
};

} // namespace

const GGUFArchitecture& gguf_architecture(const std::string& name) {
  std::string known;
  for (const auto& a : architectures) {
    if (name == a.name) {
      return a;
    }
    known += known.empty() ? a.name : std::string(", ") + a.name;
  }
  throw std::runtime_error("GGUF architecture \"" + name +
                           "\" (general.architecture) is not supported; supported: " + known + ".");
}

const GGUFArchitecture& gguf_architecture_of_model_type(const std::string& model_type) {
  for (const auto& a : architectures) {
    if (model_type == a.model_type) {
      return a;
    }
  }
  throw std::runtime_error("No GGUF architecture has model_type \"" + model_type + "\".");
}

} // namespace detail

namespace {

using detail::GGUFReader;

// The rotary settings: rope.scaling.* keys, or llama 3's per-frequency divisors, which the
// converter stores as the tensor rope_freqs.weight instead of the scaling parameters. Those
// divisors are exactly longrope's factors (inverse frequency / factor) with one set for all
// lengths and no magnitude correction, so they load as such.
void add_rope(nlohmann::json& config, const GGUFReader& meta, const std::string& p,
              const GGUFTensors& tensors) {
  config["rope_theta"] = meta.optional_number(p + "rope.freq_base").value_or(10000.0);
  if (auto it = tensors.find("rope_freqs.weight"); it != tensors.end()) {
    auto factors = mx::astype(mx::flatten(it->second), mx::float32, mx::Device::cpu);
    mx::eval(factors);
    std::vector<float> f(factors.data<float>(), factors.data<float>() + factors.size());
    int head_dim = config["head_dim"].get<int>();
    int rotary =
        static_cast<int>(std::lround(config.value("partial_rotary_factor", 1.0) * head_dim));
    if (static_cast<int>(f.size()) != rotary / 2) {
      throw std::runtime_error("GGUF tensor 'rope_freqs.weight' has " + std::to_string(f.size()) +
                               " factors; the rotary dimensions need " +
                               std::to_string(rotary / 2) + ".");
    }
    config["rope_scaling"] = {
        {"rope_type", "longrope"},
        {"short_factor", f},
        {"long_factor", f},
        {"attention_factor", 1.0},
        {"original_max_position_embeddings", config["max_position_embeddings"]}};
    return;
  }
  auto type = meta.optional_string(p + "rope.scaling.type").value_or("none");
  auto factor = meta.optional_number(p + "rope.scaling.factor");
  if (!factor) {
    factor = meta.optional_number(p + "rope.scale_linear"); // older files
    if (factor && type == "none") {
      type = "linear";
    }
  }
  if (type == "none") {
    return;
  }
  if (!factor) {
    factor = meta.number(p + "rope.scaling.factor"); // throws, naming the key
  }
  if (type == "linear") {
    config["rope_scaling"] = {{"rope_type", "linear"}, {"factor", *factor}};
  } else if (type == "yarn") {
    nlohmann::json s = {{"rope_type", "yarn"},
                        {"factor", *factor},
                        {"original_max_position_embeddings",
                         meta.integer(p + "rope.scaling.original_context_length")}};
    if (auto v = meta.optional_number(p + "rope.scaling.yarn_beta_fast")) {
      s["beta_fast"] = *v;
    }
    if (auto v = meta.optional_number(p + "rope.scaling.yarn_beta_slow")) {
      s["beta_slow"] = *v;
    }
    if (auto v = meta.optional_number(p + "rope.scaling.attn_factor")) {
      s["attention_factor"] = *v;
    }
    config["rope_scaling"] = s;
  } else {
    throw std::runtime_error("GGUF metadata key \"" + p + "rope.scaling.type\" is \"" + type +
                             "\"; supported: none, linear, yarn.");
  }
}

// Gemma 2/3: which layers use the sliding window, as layer_types. The file may say so per
// layer (a list of booleans) or as a period; llama.cpp's defaults otherwise.
void add_sliding_layers(nlohmann::json& config, const GGUFReader& meta, const std::string& p,
                        int default_period) {
  int n = config["num_hidden_layers"].get<int>();
  std::vector<bool> sliding(n);
  auto key = p + "attention.sliding_window_pattern";
  if (meta.is_list(key)) {
    auto list = meta.integers(key);
    if (static_cast<int>(list.size()) != n) {
      throw std::runtime_error("GGUF metadata key \"" + key + "\" has " +
                               std::to_string(list.size()) + " entries for " + std::to_string(n) +
                               " layers.");
    }
    for (int i = 0; i < n; ++i) {
      sliding[i] = list[i] != 0;
    }
  } else if (meta.has(key)) {
    int period = static_cast<int>(meta.integer(key));
    for (int i = 0; i < n; ++i) {
      sliding[i] = period > 0 && (i + 1) % period != 0;
    }
  } else {
    for (int i = 0; i < n; ++i) {
      sliding[i] = (i + 1) % default_period != 0;
    }
  }
  auto& types = config["layer_types"] = nlohmann::json::array();
  for (bool s : sliding) {
    types.push_back(s ? "sliding_attention" : "full_attention");
  }
  config["sliding_window"] = meta.integer(p + "attention.sliding_window");
}

void add_gemma(nlohmann::json& config, const GGUFReader& meta, const std::string& arch) {
  auto p = arch + ".";
  config["hidden_act"] = "gelu_pytorch_tanh";
  if (arch == "gemma") {
    return;
  }
  // GGUF has no query_pre_attn_scalar: llama.cpp uses the head size, except for the 27B
  // models (46 and 62 layers), whose scalar is hidden_size / heads.
  int layers = config["num_hidden_layers"].get<int>();
  bool is_27b = (arch == "gemma2" && layers == 46) || (arch == "gemma3" && layers == 62);
  config["query_pre_attn_scalar"] =
      is_27b ? config["hidden_size"].get<int>() / config["num_attention_heads"].get<int>()
             : config["head_dim"].get<int>();
  if (arch == "gemma2") {
    config["attn_logit_softcapping"] =
        meta.optional_number(p + "attn_logit_softcapping").value_or(0);
    config["final_logit_softcapping"] =
        meta.optional_number(p + "final_logit_softcapping").value_or(0);
    add_sliding_layers(config, meta, p, 2);
  } else {
    config["rope_local_base_freq"] =
        meta.optional_number(p + "rope.freq_base_swa").value_or(10000.0);
    add_sliding_layers(config, meta, p, 6);
  }
}

// The model's dtype: general.file_type's float types, else float16 (the dtype of the scales
// of quantized files).
std::string file_dtype(const GGUFReader& meta, const GGUFTensors& tensors) {
  if (auto type = meta.optional_integer("general.file_type")) {
    return *type == 0 ? "float32" : *type == 32 ? "bfloat16" : "float16";
  }
  auto embed = tensors.find("token_embd.weight");
  if (embed != tensors.end() && embed->second.dtype() == mx::float32) {
    return "float32";
  }
  if (embed != tensors.end() && embed->second.dtype() == mx::bfloat16) {
    return "bfloat16";
  }
  return "float16";
}

} // namespace

nlohmann::json gguf_config(const GGUFMetadata& metadata, const GGUFTensors& tensors) {
  GGUFReader meta(metadata);
  auto arch = meta.string("general.architecture");
  const auto& info = detail::gguf_architecture(arch);
  auto p = arch + ".";
  auto embed = tensors.find("token_embd.weight");
  if (embed == tensors.end() || embed->second.ndim() != 2) {
    throw std::runtime_error("GGUF tensor 'token_embd.weight' is missing or not a matrix.");
  }

  nlohmann::json c;
  c["model_type"] = info.model_type;
  c["vocab_size"] = embed->second.shape(0);
  c["hidden_size"] = meta.integer(p + "embedding_length");
  c["num_hidden_layers"] = meta.integer(p + "block_count");
  c["intermediate_size"] = meta.integer(p + "feed_forward_length");
  int heads = static_cast<int>(meta.integer(p + "attention.head_count"));
  if (heads <= 0) {
    throw std::runtime_error("GGUF metadata key \"" + p +
                             "attention.head_count\" is not positive.");
  }
  c["num_attention_heads"] = heads;
  c["num_key_value_heads"] = meta.optional_integer(p + "attention.head_count_kv").value_or(heads);
  int head_dim = static_cast<int>(meta.optional_integer(p + "attention.key_length")
                                      .value_or(c["hidden_size"].get<int>() / heads));
  if (auto v = meta.optional_integer(p + "attention.value_length"); v && *v != head_dim) {
    throw std::runtime_error("GGUF metadata: value_length " + std::to_string(*v) +
                             " differs from key_length " + std::to_string(head_dim) +
                             ", which these models do not support.");
  }
  c["head_dim"] = head_dim;
  if (auto dims = meta.optional_integer(p + "rope.dimension_count"); dims && *dims != head_dim) {
    c["partial_rotary_factor"] = static_cast<double>(*dims) / head_dim;
  }
  c["rms_norm_eps"] = meta.number(p + "attention.layer_norm_rms_epsilon");
  c["max_position_embeddings"] = meta.integer(p + "context_length");
  add_rope(c, meta, p, tensors);
  if (auto window = meta.optional_integer(p + "attention.sliding_window");
      window && !info.sandwich_norms) {
    c["sliding_window"] = *window;
  }
  c["hidden_act"] = "silu";
  if (info.norm_gain_plus_one) {
    add_gemma(c, meta, arch);
  }
  c["tie_word_embeddings"] = tensors.count("output.weight") == 0;
  c["attention_bias"] = tensors.count("blk.0.attn_q.bias") != 0;
  c["torch_dtype"] = file_dtype(meta, tensors);
  if (auto bos = meta.optional_integer("tokenizer.ggml.bos_token_id")) {
    c["bos_token_id"] = *bos;
  }
  // End of generation: the end-of-text token and, where the file names them, end of turn and
  // end of message.
  auto& eos = c["eos_token_id"] = nlohmann::json::array();
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                          "tokenizer.ggml.eom_token_id"}) {
    if (auto id = meta.optional_integer(key)) {
      eos.push_back(*id);
    }
  }
  return c;
}

} // namespace mlxcpp::lm
