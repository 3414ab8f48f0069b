// Splits a template into text and the tokens inside {{ }} and {% %}, applying Jinja's
// whitespace control as transformers configures it: trim_blocks and lstrip_blocks on, the '-'
// and '+' modifiers, comments dropped, {% raw %} kept verbatim, one trailing newline removed.
#pragma once

#include <string>
#include <vector>

namespace mlxcpp::tokenizer::jinja::detail {

struct Token {
  enum class Type {
    Text,
    VarBegin,
    VarEnd,
    BlockBegin,
    BlockEnd,
    Name,
    Int,
    Float,
    String,
    Op,
    End
  };
  Type type;
  std::string text; // literal text, identifier, operator, or the unescaped string
  int line = 1;
  int column = 1;
};

// Throws TemplateError (with the position) on an unterminated tag, comment or string.
std::vector<Token> tokenize(const std::string& source);

} // namespace mlxcpp::tokenizer::jinja::detail
