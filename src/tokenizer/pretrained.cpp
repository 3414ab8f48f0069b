#include "mlxcpp/tokenizer/pretrained.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mlxcpp::tokenizer {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_optional(const fs::path& path) {
  if (!fs::exists(path)) {
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("[tokenizer] cannot read " + path.string());
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::ordered_json parse_json_file(const fs::path& path, const std::string& text) {
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("[tokenizer] " + path.string() + " is not valid JSON: " + e.what());
  }
}

// A special token is written as text or as {"content": text, ...} (an AddedToken).
std::optional<std::string> token_text(const nlohmann::ordered_json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return v["content"].get<std::string>();
  }
  return std::nullopt;
}

void read_special_tokens(const nlohmann::ordered_json& config,
                         std::map<std::string, std::string>& out) {
  static const char* const names[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                      "pad_token", "cls_token", "mask_token"};
  if (!config.is_object()) {
    return;
  }
  for (const char* name : names) {
    if (auto it = config.find(name); it != config.end()) {
      if (auto text = token_text(*it)) {
        out[name] = *text;
      } else if (it->is_null()) {
        out.erase(name);
      }
    }
  }
}

void read_templates(const nlohmann::ordered_json& value, const fs::path& from,
                    std::map<std::string, std::string>& out) {
  if (value.is_string()) {
    out["default"] = value.get<std::string>();
    return;
  }
  if (value.is_array()) {
    for (const auto& entry : value) {
      if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") ||
          !entry["name"].is_string() || !entry["template"].is_string()) {
        throw std::invalid_argument("[tokenizer] " + from.string() +
                                    ": chat_template entries need a name and a template");
      }
      out[entry["name"].get<std::string>()] = entry["template"].get<std::string>();
    }
    return;
  }
  if (!value.is_null()) {
    throw std::invalid_argument("[tokenizer] " + from.string() +
                                ": chat_template should be a string or a list");
  }
}

} // namespace

PretrainedTokenizer PretrainedTokenizer::from_dir(const fs::path& dir) {
  if (!fs::is_directory(dir)) {
    throw std::runtime_error("[tokenizer] model folder not found: " + dir.string());
  }
  fs::path tokenizer_json = dir / "tokenizer.json";
  if (!fs::exists(tokenizer_json)) {
    throw std::runtime_error("[tokenizer] no tokenizer.json in " + dir.string());
  }
  PretrainedTokenizer result(Tokenizer::from_file(tokenizer_json));
  if (auto text = read_optional(dir / "special_tokens_map.json")) {
    read_special_tokens(parse_json_file(dir / "special_tokens_map.json", *text),
                        result.special_tokens_);
  }
  fs::path config_path = dir / "tokenizer_config.json";
  if (auto text = read_optional(config_path)) {
    auto config = parse_json_file(config_path, *text);
    read_special_tokens(config, result.special_tokens_);
    if (config.is_object() && config.contains("chat_template")) {
      read_templates(config["chat_template"], config_path, result.templates_);
    }
  }
  // Newer exports keep the template in its own file, which then takes precedence.
  if (auto text = read_optional(dir / "chat_template.json")) {
    auto json = parse_json_file(dir / "chat_template.json", *text);
    if (json.is_object() && json.contains("chat_template")) {
      read_templates(json["chat_template"], dir / "chat_template.json", result.templates_);
    }
  }
  if (auto text = read_optional(dir / "chat_template.jinja")) {
    result.templates_["default"] = *text;
  }
  return result;
}

PretrainedTokenizer
PretrainedTokenizer::from_parts(Tokenizer tokenizer,
                                std::map<std::string, std::string> special_tokens,
                                std::map<std::string, std::string> templates) {
  PretrainedTokenizer result(std::move(tokenizer));
  result.special_tokens_ = std::move(special_tokens);
  result.templates_ = std::move(templates);
  return result;
}

ChatTemplate PretrainedTokenizer::chat_template(const std::string& name, bool with_tools) const {
  std::string chosen = name;
  if (chosen.empty()) {
    chosen = with_tools && templates_.count("tool_use") ? "tool_use" : "default";
  }
  auto it = templates_.find(chosen);
  if (it == templates_.end()) {
    throw std::runtime_error(templates_.empty()
                                 ? "[tokenizer] this model has no chat template"
                                 : "[tokenizer] no chat template named '" + chosen + "'");
  }
  return ChatTemplate(it->second, special_tokens_);
}

} // namespace mlxcpp::tokenizer
