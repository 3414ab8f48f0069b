// Prompt caches: a model's KV cache for a prompt, saved to a .safetensors file and loaded back,
// and the reuse of a cache whose tokens are a prefix of a new prompt.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mlx/dtype.h"

#include "mlxcpp/lm/cache.h"

namespace mlxcpp::lm {

// A cache and the tokens it holds (in order; tokens.size() == every layer's offset).
struct PromptCache {
  Cache cache;
  std::vector<int32_t> tokens;
};

// Names a model as loaded: its config.json, compute dtype and quantize-on-load settings. Two
// loads with equal identities produce the same keys and values.
std::string model_identity(const nlohmann::json& config, mlx::core::Dtype dtype,
                           int quantize_bits = 0, int quantize_group_size = 0);

// Writes every layer's state, offset and cache type, the tokens and the model identity.
void save_prompt_cache(const std::filesystem::path& file, const PromptCache& prompt_cache,
                       const std::string& model_identity);

// Reads a file written by save_prompt_cache for a model of `num_layers` layers. A missing or
// unreadable file, a file that is not a prompt cache, or one made for another model is a
// std::runtime_error saying which.
PromptCache load_prompt_cache(const std::filesystem::path& file, const std::string& model_identity,
                              int num_layers);

// Prepares `prompt_cache` for `prompt`: keeps the longest common prefix of its tokens and the
// prompt (trimming the rest; the whole cache is reset when a layer cannot be trimmed exactly),
// always leaving at least the last prompt token to be run. Returns the number of prompt tokens
// the cache now holds; pass the remaining ones to generate().
int reuse_prefix(PromptCache& prompt_cache, const std::vector<int32_t>& prompt,
                 const std::function<Cache()>& fresh_cache);

} // namespace mlxcpp::lm
