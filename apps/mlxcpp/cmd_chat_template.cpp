// mlxcpp chat-template --model DIR --messages F.json [--tools F.json] [--add-generation-prompt]
//                      [--var NAME=JSON ...]
// Prints the rendered prompt exactly (no newline is added).
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.h"
#include "tokenizer_loading.h"

namespace mlxcpp::cli {
namespace {

struct ChatTemplateOptions {
  std::string model;
  std::string messages;
  std::string tools;
  bool add_generation_prompt = false;
  std::vector<std::string> vars;
};

nlohmann::ordered_json read_json(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) {
    throw CommandError(std::string(flag) + ": cannot open " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw CommandError(std::string(flag) + ": " + path + " is not valid JSON: " + e.what());
  }
}

void run(const ChatTemplateOptions& o) {
  tokenizer::ChatTemplateInputs inputs;
  inputs.messages = read_json(o.messages, "--messages");
  if (inputs.messages.is_object() && inputs.messages.contains("messages")) {
    inputs.messages = inputs.messages["messages"];
  }
  if (!inputs.messages.is_array()) {
    throw CommandError("--messages: expected a JSON list of messages");
  }
  if (!o.tools.empty()) {
    inputs.tools = read_json(o.tools, "--tools");
    if (!inputs.tools.is_array()) {
      throw CommandError("--tools: expected a JSON list of tools");
    }
  }
  inputs.add_generation_prompt = o.add_generation_prompt;
  for (const auto& var : o.vars) {
    size_t eq = var.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CommandError("--var: expected NAME=JSON, got '" + var + "'");
    }
    try {
      inputs.variables[var.substr(0, eq)] = nlohmann::ordered_json::parse(var.substr(eq + 1));
    } catch (const nlohmann::json::exception&) {
      throw CommandError("--var " + var.substr(0, eq) +
                         ": the value is not JSON (strings need "
                         "quotes: NAME='\"text\"')");
    }
  }
  auto model = load_pretrained(o.model);
  try {
    auto tmpl = model.chat_template("", !inputs.tools.is_null());
    std::cout << tmpl.render(inputs) << std::flush;
  } catch (const tokenizer::jinja::TemplateError& e) {
    throw CommandError(std::string("chat template: ") + e.what());
  } catch (const std::runtime_error& e) {
    throw CommandError(e.what());
  }
}

const CommandRegistration registration{Command{
    "chat-template", "Render a model's chat template for a conversation", [](CLI::App& sub) {
      auto o = std::make_shared<ChatTemplateOptions>();
      sub.add_option("--model", o->model, "Model folder (tokenizer.json, tokenizer_config.json)")
          ->required();
      sub.add_option("--messages", o->messages, "JSON file: list of {role, content} messages")
          ->required();
      sub.add_option("--tools", o->tools, "JSON file: list of function tools");
      sub.add_flag("--add-generation-prompt", o->add_generation_prompt,
                   "End with the assistant turn's header");
      sub.add_option("--var", o->vars, "Template variable NAME=JSON (repeatable)");
      sub.callback([o] { run(*o); });
    }}};

} // namespace
} // namespace mlxcpp::cli
