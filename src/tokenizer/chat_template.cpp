#include "mlxcpp/tokenizer/chat_template.h"

namespace mlxcpp::tokenizer {

jinja::Value to_jinja(const nlohmann::ordered_json& json) {
  using jinja::Value;
  switch (json.type()) {
  case nlohmann::ordered_json::value_t::null:
    return Value(nullptr);
  case nlohmann::ordered_json::value_t::boolean:
    return Value(json.get<bool>());
  case nlohmann::ordered_json::value_t::number_integer:
    return Value(json.get<int64_t>());
  case nlohmann::ordered_json::value_t::number_unsigned:
    return Value(static_cast<int64_t>(json.get<uint64_t>()));
  case nlohmann::ordered_json::value_t::number_float:
    return Value(json.get<double>());
  case nlohmann::ordered_json::value_t::string:
    return Value(json.get<std::string>());
  case nlohmann::ordered_json::value_t::array: {
    std::vector<Value> items;
    for (const auto& item : json) {
      items.push_back(to_jinja(item));
    }
    return Value::array(std::move(items));
  }
  case nlohmann::ordered_json::value_t::object: {
    jinja::Object obj;
    for (auto it = json.begin(); it != json.end(); ++it) {
      obj.set(it.key(), to_jinja(it.value()));
    }
    return Value::object(std::move(obj));
  }
  default:
    return Value(nullptr);
  }
}

ChatTemplate::ChatTemplate(std::string source, std::map<std::string, std::string> special_tokens)
    : source_(std::move(source)), template_(source_), special_tokens_(std::move(special_tokens)) {}

std::string ChatTemplate::render(const ChatTemplateInputs& inputs) const {
  jinja::Object context;
  for (const auto& [name, text] : special_tokens_) {
    context.set(name, jinja::Value(text));
  }
  context.set("messages", to_jinja(inputs.messages));
  context.set("tools", to_jinja(inputs.tools));
  context.set("add_generation_prompt", jinja::Value(inputs.add_generation_prompt));
  if (inputs.variables.is_object()) {
    for (auto it = inputs.variables.begin(); it != inputs.variables.end(); ++it) {
      context.set(it.key(), to_jinja(it.value()));
    }
  }
  return template_.render(jinja::Value::object(std::move(context)));
}

} // namespace mlxcpp::tokenizer
