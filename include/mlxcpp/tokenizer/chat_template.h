// Chat templates: renders a model's Jinja chat template the way transformers'
// apply_chat_template(messages, tools=..., add_generation_prompt=..., tokenize=False, **extra)
// does.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "mlxcpp/tokenizer/jinja.h"

namespace mlxcpp::tokenizer {

struct ChatTemplateInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools; // null when there are none
  bool add_generation_prompt = false;
  // Extra template variables such as {"enable_thinking": false}.
  nlohmann::ordered_json variables = nlohmann::ordered_json::object();
};

class ChatTemplate {
public:
  // `special_tokens`: names (bos_token, eos_token, ...) to token text, passed to the template.
  // Throws jinja::TemplateError for a template with a syntax error.
  ChatTemplate(std::string source, std::map<std::string, std::string> special_tokens);

  // Throws jinja::RaisedException when the template calls raise_exception(), and
  // jinja::TemplateError for other rendering errors.
  std::string render(const ChatTemplateInputs& inputs) const;

  const std::string& source() const { return source_; }

private:
  std::string source_;
  jinja::Template template_;
  std::map<std::string, std::string> special_tokens_;
};

// JSON (key order kept) to a template value.
jinja::Value to_jinja(const nlohmann::ordered_json& json);

} // namespace mlxcpp::tokenizer
