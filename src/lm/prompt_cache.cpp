#include "mlxcpp/lm/prompt_cache.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "mlx/io.h"
#include "mlx/ops.h"
#include "mlx/transforms.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

namespace {

constexpr const char* kFormat = "mlxcpp.prompt_cache";

// FNV-1a: a hash that is the same on every platform and build (std::hash is not).
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h = (h ^ c) * 0x100000001b3ULL;
  }
  return h;
}

std::runtime_error cache_error(const std::filesystem::path& file, const std::string& what) {
  return std::runtime_error("[prompt cache] " + file.string() + ": " + what);
}

nlohmann::json describe(const KVCache& c) {
  if (auto* q = dynamic_cast<const QuantizedKVCache*>(&c)) {
    return {{"type", "quantized"},
            {"offset", c.offset()},
            {"group_size", q->group_size()},
            {"bits", q->bits()}};
  }
  if (auto* r = dynamic_cast<const RotatingKVCache*>(&c)) {
    return {{"type", "rotating"},
            {"offset", c.offset()},
            {"max_size", r->max_size()},
            {"keep", r->keep()}};
  }
  if (dynamic_cast<const StandardKVCache*>(&c)) {
    return {{"type", "standard"}, {"offset", c.offset()}};
  }
  throw std::invalid_argument("[prompt cache] Unknown KV cache type.");
}

// A layer cache of the described type, checked against its state arrays.
std::unique_ptr<KVCache> rebuild(const nlohmann::json& d, const std::vector<array>& state,
                                 const std::filesystem::path& file, int layer) {
  auto bad = [&](const std::string& what) {
    return cache_error(file, "layer " + std::to_string(layer) + ": " + what);
  };
  auto type = d.at("type").get<std::string>();
  int offset = d.at("offset").get<int>();
  size_t expected = type == "quantized" ? 6 : 2;
  if (state.size() != expected) {
    throw bad("expected " + std::to_string(expected) + " arrays, found " +
              std::to_string(state.size()));
  }
  for (auto& a : state) {
    if (a.ndim() != 4 || a.shape(0) != state[0].shape(0) || a.shape(1) != state[0].shape(1) ||
        a.shape(2) != state[0].shape(2)) {
      throw bad("arrays of inconsistent shapes");
    }
  }
  int stored = state[0].shape(2);
  std::unique_ptr<KVCache> c;
  if (type == "standard") {
    c = std::make_unique<StandardKVCache>();
  } else if (type == "rotating") {
    c = std::make_unique<RotatingKVCache>(d.at("max_size").get<int>(), d.at("keep").get<int>());
  } else if (type == "quantized") {
    c = std::make_unique<QuantizedKVCache>(d.at("group_size").get<int>(), d.at("bits").get<int>());
  } else {
    throw bad("unknown cache type \"" + type + "\"");
  }
  if (type == "rotating" ? stored > offset : stored != offset) {
    throw bad("holds " + std::to_string(stored) + " tokens for offset " + std::to_string(offset));
  }
  c->set_state(state, offset);
  return c;
}

} // namespace

std::string model_identity(const nlohmann::json& config, mx::Dtype dtype, int quantize_bits,
                           int quantize_group_size) {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  auto text = config.dump() + "|" + mx::dtype_to_string(dtype) + "|q" +
              std::to_string(quantize_bits) + "g" + std::to_string(quantize_group_size);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(fnv1a(text)));
  return config.value("model_type", std::string("model")) + "-" + hex;
}

void save_prompt_cache(const std::filesystem::path& file, const PromptCache& pc,
                       const std::string& model_identity) {
  if (pc.tokens.empty()) {
    throw std::invalid_argument("[prompt cache] Nothing to save: the cache holds no tokens.");
  }
  std::unordered_map<std::string, array> tensors;
  tensors.emplace("tokens",
                  array(pc.tokens.data(), {static_cast<int>(pc.tokens.size())}, mx::int32));
  auto layers = nlohmann::json::array();
  for (size_t i = 0; i < pc.cache.size(); ++i) {
    if (pc.cache[i]->offset() != static_cast<int>(pc.tokens.size())) {
      throw std::invalid_argument("[prompt cache] Layer " + std::to_string(i) + " holds " +
                                  std::to_string(pc.cache[i]->offset()) + " tokens, not " +
                                  std::to_string(pc.tokens.size()) + ".");
    }
    layers.push_back(describe(*pc.cache[i]));
    auto state = pc.cache[i]->state();
    for (size_t j = 0; j < state.size(); ++j) {
      tensors.emplace("layers." + std::to_string(i) + "." + std::to_string(j), state[j]);
    }
  }
  std::unordered_map<std::string, std::string> metadata = {
      {"format", kFormat}, {"version", "1"}, {"model", model_identity}, {"layers", layers.dump()}};
  // Written under a temporary name and renamed, so that a failed save leaves no partial file.
  auto tmp = file;
  tmp += ".partial.safetensors";
  try {
    mx::save_safetensors(tmp.string(), tensors, metadata);
    std::filesystem::rename(tmp, file);
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw cache_error(file, std::string("cannot write: ") + e.what());
  }
}

PromptCache load_prompt_cache(const std::filesystem::path& file, const std::string& model_identity,
                              int num_layers) {
  if (!std::filesystem::is_regular_file(file)) {
    throw cache_error(file, "no such file");
  }
  mx::SafetensorsLoad loaded;
  try {
    loaded = mx::load_safetensors(file.string());
  } catch (const std::exception& e) {
    throw cache_error(file, std::string("not a readable .safetensors file (") + e.what() + ")");
  }
  auto& [tensors, metadata] = loaded;
  if (metadata.count("format") == 0 || metadata.at("format") != kFormat) {
    throw cache_error(file, "not a prompt cache (no \"format\": \"" + std::string(kFormat) +
                                "\" in its metadata)");
  }
  if (metadata.count("model") == 0 || metadata.at("model") != model_identity) {
    throw cache_error(file, "made for model " +
                                (metadata.count("model") ? metadata.at("model") : "(unknown)") +
                                ", but the model loaded is " + model_identity);
  }
  PromptCache pc;
  try {
    auto layers = nlohmann::json::parse(metadata.at("layers"));
    if (static_cast<int>(layers.size()) != num_layers) {
      throw cache_error(file, "has " + std::to_string(layers.size()) + " layers, the model " +
                                  std::to_string(num_layers));
    }
    auto tokens = mx::astype(tensors.at("tokens"), mx::int32);
    mx::eval(tokens);
    pc.tokens.assign(tokens.data<int32_t>(), tokens.data<int32_t>() + tokens.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      std::vector<array> state;
      for (size_t j = 0;; ++j) {
        auto it = tensors.find("layers." + std::to_string(i) + "." + std::to_string(j));
        if (it == tensors.end()) {
          break;
        }
        state.push_back(it->second);
      }
      pc.cache.push_back(rebuild(layers[i], state, file, static_cast<int>(i)));
      if (pc.cache.back()->offset() != static_cast<int>(pc.tokens.size())) {
        throw cache_error(file, "layer " + std::to_string(i) + " does not hold the " +
                                    std::to_string(pc.tokens.size()) + " cached tokens");
      }
    }
  } catch (const std::runtime_error&) {
    throw;
  } catch (const std::exception& e) {
    throw cache_error(file, std::string("malformed prompt cache (") + e.what() + ")");
  }
  return pc;
}

int reuse_prefix(PromptCache& pc, const std::vector<int32_t>& prompt,
                 const std::function<Cache()>& fresh_cache) {
  size_t common = 0;
  while (common < pc.tokens.size() && common < prompt.size() &&
         pc.tokens[common] == prompt[common]) {
    ++common;
  }
  // The last prompt token is always run, since its pass gives the first logits.
  common = std::min(common, prompt.empty() ? 0 : prompt.size() - 1);
  int drop = static_cast<int>(pc.tokens.size() - common);
  bool exact = std::all_of(pc.cache.begin(), pc.cache.end(),
                           [&](const auto& c) { return c->can_trim(drop); });
  if (!exact) {
    pc.cache = fresh_cache();
    pc.tokens.clear();
    return 0;
  }
  for (auto& c : pc.cache) {
    c->trim(drop);
  }
  pc.tokens.resize(common);
  return static_cast<int>(common);
}

} // namespace mlxcpp::lm
