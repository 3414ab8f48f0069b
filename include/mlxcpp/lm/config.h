// Typed access to a model's config.json, with errors that name the missing or bad field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mlxcpp/nn/rope.h"

namespace mlxcpp::lm {

class Config {
public:
  explicit Config(nlohmann::json json) : json_(std::move(json)) {}

  bool has(const std::string& key) const;
  int get_int(const std::string& key) const;
  int get_int(const std::string& key, int fallback) const;
  float get_float(const std::string& key) const;
  float get_float(const std::string& key, float fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::vector<int> get_int_list(const std::string& key) const;
  const nlohmann::json& raw() const { return json_; }

  // Rotary settings from rope_theta / rope_scaling (or rope_parameters, which may hold one
  // entry per layer type such as "sliding_attention"), for `dims` rotated features.
  nn::RopeConfig rope(int dims, bool traditional = false, const std::string& layer_type = "") const;

  // The fraction of each head's features that rotate (partial_rotary_factor, at the top level
  // or inside rope_parameters; rotary_pct in older configs).
  float partial_rotary_factor() const;

private:
  nlohmann::json json_;
};

} // namespace mlxcpp::lm
