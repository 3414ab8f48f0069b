// Parses the lexer's tokens into statements; syntax errors become TemplateError with the
// position of the offending token.
#pragma once

#include <string>

#include "tokenizer/jinja/ast.h"

namespace mlxcpp::tokenizer::jinja::detail {

Body parse_template(const std::string& source);

} // namespace mlxcpp::tokenizer::jinja::detail
