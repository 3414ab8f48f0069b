// A causal language model and the registry that builds one from config.json's model_type.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mlxcpp/lm/cache.h"
#include "mlxcpp/nn/module.h"

namespace mlxcpp::lm {

using nn::WeightMap;

class Model : public nn::Module {
public:
  // tokens [B, L] (int32) -> logits [B, L, vocab]. Appends to `cache` (one entry per layer).
  // With last_only, logits [B, 1, vocab] for the last position only (generation needs no
  // more, and the output layer is a large share of a prompt's work).
  virtual array forward(const array& tokens, Cache& cache, bool last_only = false) = 0;

  // A fresh cache: one entry per attention layer. max_kv_size > 0 bounds every layer's cache.
  virtual Cache make_cache(int max_kv_size = 0) const;

  virtual int num_layers() const = 0;
  virtual int vocab_size() const = 0;

  // Rewrites checkpoint tensors into this model's parameter names before loading (dropping
  // buffers such as rotary inv_freq, stacking per-expert tensors, ...).
  virtual WeightMap sanitize(WeightMap weights) const { return weights; }

  // Attention layers that use a sliding window (their cache may rotate), and its size.
  virtual std::vector<int> sliding_window_layers() const { return {}; }
  virtual int sliding_window() const { return 0; }
};

// The hidden states of the last position: h [B, L, D] -> [B, 1, D].
array last_position(const array& h);

using ModelFactory = std::function<std::unique_ptr<Model>(const nlohmann::json& config)>;

// Registers an architecture under config.json's model_type. Model files call it from their
// register function (src/lm/models/<name>.cpp defines register_<name>(); the build collects
// them).
void register_architecture(const std::string& model_type, ModelFactory factory);

// Builds the model for config["model_type"]; an unknown type is an error listing the
// supported ones.
std::unique_ptr<Model> create_model(const nlohmann::json& config);

std::vector<std::string> supported_architectures();

} // namespace mlxcpp::lm
