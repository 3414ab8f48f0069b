#include "mlxcpp/lm/config.h"

#include <stdexcept>

namespace mlxcpp::lm {

namespace {
[[noreturn]] void bad_field(const std::string& key, const char* expected) {
  throw std::runtime_error("config.json: field \"" + key + "\" is missing or not " + expected +
                           ".");
}
} // namespace

bool Config::has(const std::string& key) const {
  return json_.contains(key) && !json_[key].is_null();
}

int Config::get_int(const std::string& key) const {
  if (!has(key) || !json_[key].is_number()) {
    bad_field(key, "a number");
  }
  return json_[key].get<int>();
}

int Config::get_int(const std::string& key, int fallback) const {
  return has(key) ? get_int(key) : fallback;
}

float Config::get_float(const std::string& key) const {
  if (!has(key) || !json_[key].is_number()) {
    bad_field(key, "a number");
  }
  return json_[key].get<float>();
}

float Config::get_float(const std::string& key, float fallback) const {
  return has(key) ? get_float(key) : fallback;
}

bool Config::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) {
    return fallback;
  }
  if (!json_[key].is_boolean()) {
    bad_field(key, "a boolean");
  }
  return json_[key].get<bool>();
}

std::string Config::get_string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) {
    return fallback;
  }
  if (!json_[key].is_string()) {
    bad_field(key, "a string");
  }
  return json_[key].get<std::string>();
}

std::vector<int> Config::get_int_list(const std::string& key) const {
  if (!has(key) || !json_[key].is_array()) {
    bad_field(key, "a list");
  }
  std::vector<int> out;
  for (auto& v : json_[key]) {
    if (!v.is_number()) {
      bad_field(key, "a list of numbers");
    }
    out.push_back(v.get<int>());
  }
  return out;
}

float Config::partial_rotary_factor() const {
  if (has("partial_rotary_factor")) {
    return get_float("partial_rotary_factor");
  }
  if (has("rope_parameters") && json_["rope_parameters"].contains("partial_rotary_factor")) {
    return json_["rope_parameters"]["partial_rotary_factor"].get<float>();
  }
  return get_float("rotary_pct", 1.0f);
}

nn::RopeConfig Config::rope(int dims, bool traditional, const std::string& layer_type) const {
  nn::RopeConfig r;
  r.dims = dims;
  r.traditional = traditional;
  r.max_position_embeddings = get_int("max_position_embeddings", 0);
  // Newer configs nest everything under rope_parameters; older ones use rope_theta plus an
  // optional rope_scaling object.
  const nlohmann::json* scaling = nullptr;
  if (has("rope_parameters") && json_["rope_parameters"].is_object()) {
    scaling = &json_["rope_parameters"];
    if (!layer_type.empty() && scaling->contains(layer_type) &&
        (*scaling)[layer_type].is_object()) {
      scaling = &(*scaling)[layer_type];
    }
  } else if (has("rope_scaling") && json_["rope_scaling"].is_object()) {
    scaling = &json_["rope_scaling"];
  }
  r.base = get_float("rope_theta", 10000.0f);
  if (scaling != nullptr) {
    auto& s = *scaling;
    auto num = [&](const char* k, float fallback) {
      return s.contains(k) && s[k].is_number() ? s[k].get<float>() : fallback;
    };
    if (s.contains("rope_theta") && s["rope_theta"].is_number()) {
      r.base = s["rope_theta"].get<float>();
    }
    std::string type =
        s.contains("rope_type") && s["rope_type"].is_string()
            ? s["rope_type"].get<std::string>()
            : (s.contains("type") && s["type"].is_string() ? s["type"].get<std::string>()
                                                           : "default");
    r.type = type == "su" ? "longrope" : type;
    r.factor = num("factor", 1.0f);
    r.original_max_position_embeddings =
        static_cast<int>(num("original_max_position_embeddings",
                             static_cast<float>(get_int("original_max_position_embeddings",
                                                        r.max_position_embeddings))));
    r.low_freq_factor = num("low_freq_factor", 1.0f);
    r.high_freq_factor = num("high_freq_factor", 4.0f);
    r.beta_fast = num("beta_fast", 32.0f);
    r.beta_slow = num("beta_slow", 1.0f);
    if (s.contains("mscale") && s["mscale"].is_number()) {
      r.mscale = s["mscale"].get<float>();
    }
    if (s.contains("mscale_all_dim") && s["mscale_all_dim"].is_number()) {
      r.mscale_all_dim = s["mscale_all_dim"].get<float>();
    }
    if (s.contains("attention_factor") && s["attention_factor"].is_number()) {
      r.attention_factor = s["attention_factor"].get<float>();
    }
    if (s.contains("short_factor")) {
      r.short_factor = s["short_factor"].get<std::vector<float>>();
    }
    if (s.contains("long_factor")) {
      r.long_factor = s["long_factor"].get<std::vector<float>>();
    }
  }
  return r;
}

} // namespace mlxcpp::lm
