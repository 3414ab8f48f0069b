// Shared by the generation tests: the parity fixtures, greedy decoding through generate(), and
// a random-weight model whose head_dim (64) allows KV quantization, which the fixtures' 16
// does not (MLX's group sizes are 32, 64 and 128).
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlx/mlx.h"

#include "mlxcpp/lm/generate.h"
#include "mlxcpp/lm/loader.h"

namespace lm_test {

namespace fs = std::filesystem;
namespace mx = mlx::core;
using namespace mlxcpp::lm;

inline fs::path fixture(const std::string& name) {
  return fs::path(MLXCPP_SOURCE_DIR) / "tests" / "fixtures" / "lm" / name;
}

inline nlohmann::json reference(const std::string& name) {
  return nlohmann::json::parse(std::ifstream(fixture(name) / "reference.json"));
}

inline std::vector<int32_t> reference_prompt(const std::string& name) {
  return reference(name)["prompt"].get<std::vector<int32_t>>();
}

inline std::vector<int32_t> reference_greedy(const std::string& name) {
  return reference(name)["greedy"].get<std::vector<int32_t>>();
}

inline std::vector<int32_t> ids(const std::vector<GeneratedToken>& tokens) {
  std::vector<int32_t> out;
  for (auto& t : tokens) {
    out.push_back(t.id);
  }
  return out;
}

// generate() with a fresh cache; returns the token ids.
inline std::vector<int32_t> greedy(Model& model, const std::vector<int32_t>& prompt, int n,
                                   GenerationParams params = {}) {
  params.max_tokens = n;
  std::vector<int32_t> out;
  auto cache = model.make_cache(params.max_kv_size);
  generate(model, prompt, cache, params, [&](const GeneratedToken& t) {
    out.push_back(t.id);
    return true;
  });
  return out;
}

// A llama-architecture model, hidden 128, 2 heads of 64 (one KV head), 2 layers, weights
// ~N(0, 0.1) (norm gains 1).
inline std::unique_ptr<Model> random_llama(uint64_t seed = 7, int vocab_size = 512) {
  nlohmann::json config = {{"model_type", "llama"},
                           {"hidden_size", 128},
                           {"num_attention_heads", 2},
                           {"num_key_value_heads", 1},
                           {"head_dim", 64},
                           {"intermediate_size", 256},
                           {"num_hidden_layers", 2},
                           {"vocab_size", vocab_size},
                           {"rms_norm_eps", 1e-6},
                           {"rope_theta", 10000.0},
                           {"max_position_embeddings", 512},
                           {"tie_word_embeddings", false}};
  auto model = create_model(config);
  auto key = mx::random::key(seed);
  for (auto& [name, p] : model->named_parameters()) {
    if (name.find("norm") != std::string::npos) {
      *p = mx::ones(p->shape(), mx::float32);
    } else {
      auto [next, sub] = mx::random::split(key);
      key = next;
      *p = mx::random::normal(p->shape(), mx::float32, 0.0f, 0.1f, sub);
    }
    mx::eval(*p);
  }
  return model;
}

} // namespace lm_test
