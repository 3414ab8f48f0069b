// Errors raised while lexing, parsing or rendering a template. The interpreter attaches the
// source position of the node that failed before the error leaves the engine.
#pragma once

#include <stdexcept>
#include <string>

namespace mlxcpp::tokenizer::jinja::detail {

struct JinjaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace mlxcpp::tokenizer::jinja::detail
