// A Hugging Face model folder's tokenizer: tokenizer.json, plus the special tokens and chat
// templates of tokenizer_config.json, special_tokens_map.json, chat_template.jinja and
// chat_template.json.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "mlxcpp/tokenizer/chat_template.h"
#include "mlxcpp/tokenizer/tokenizer.h"

namespace mlxcpp::tokenizer {

class PretrainedTokenizer {
public:
  // Throws std::runtime_error when the folder or its tokenizer.json is missing or unreadable,
  // std::invalid_argument when a file's content is invalid.
  static PretrainedTokenizer from_dir(const std::filesystem::path& dir);

  // A tokenizer described elsewhere (a GGUF file's metadata), with its special tokens (as
  // special_tokens()) and chat templates by name ("default", "tool_use", ...).
  static PretrainedTokenizer from_parts(Tokenizer tokenizer,
                                        std::map<std::string, std::string> special_tokens,
                                        std::map<std::string, std::string> templates);

  const Tokenizer& tokenizer() const { return tokenizer_; }

  // bos_token, eos_token, unk_token, pad_token, ... as text.
  const std::map<std::string, std::string>& special_tokens() const { return special_tokens_; }

  bool has_chat_template() const { return !templates_.empty(); }
  // The template named `name`; with no name, "tool_use" when `with_tools` and the model has
  // one, else "default" (as transformers picks). Throws std::runtime_error when absent.
  ChatTemplate chat_template(const std::string& name = "", bool with_tools = false) const;

private:
  PretrainedTokenizer(Tokenizer tokenizer) : tokenizer_(std::move(tokenizer)) {}
  Tokenizer tokenizer_;
  std::map<std::string, std::string> special_tokens_;
  std::map<std::string, std::string> templates_; // name -> source
};

} // namespace mlxcpp::tokenizer
