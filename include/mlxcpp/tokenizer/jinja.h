// Our Jinja2 engine, for chat templates. It renders templates the way transformers'
// apply_chat_template does: ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks,
// loop controls, HF's tojson, raise_exception and strftime_now.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "mlxcpp/tokenizer/jinja_value.h"

namespace mlxcpp::tokenizer::jinja {

// A syntax or rendering error; the message names the line and column in the template.
class TemplateError : public std::runtime_error {
public:
  TemplateError(const std::string& message, int line, int column);
  int line() const { return line_; }
  int column() const { return column_; }

private:
  int line_, column_;
};

// raise_exception(msg) in a template: the template's own refusal (transformers raises
// TemplateError with the message).
class RaisedException : public TemplateError {
public:
  using TemplateError::TemplateError;
};

namespace detail {
struct Program;
}

class Template {
public:
  // Parses the template; throws TemplateError for a syntax error.
  explicit Template(const std::string& source);
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // `context` is an object of template variables. Globals (range, namespace, raise_exception,
  // strftime_now, dict) are provided. Throws TemplateError on a rendering error.
  std::string render(const Value& context) const;

private:
  std::shared_ptr<const detail::Program> program_;
};

} // namespace mlxcpp::tokenizer::jinja
