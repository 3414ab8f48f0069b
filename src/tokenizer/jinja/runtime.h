// The pieces of the Jinja runtime shared by the interpreter, the filters, the tests and the
// methods: Python-like operators, attribute and item access, iteration, and the registries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlxcpp/tokenizer/jinja_value.h"
#include "tokenizer/jinja/ast.h"
#include "tokenizer/jinja/error.h"

namespace mlxcpp::tokenizer::jinja::detail {

struct Program {
  Body body;
};

[[noreturn]] void raise_error(const std::string& message);
[[noreturn]] void raise_undefined(const Value& undefined);
// raise_exception() in a template: surfaces as RaisedException.
[[noreturn]] void raise_template_exception(const std::string& message);

// Python operators. `op` is the operator's token ("+", "//", "~", ...).
Value binary_op(const std::string& op, const Value& a, const Value& b);
bool compare_op(const std::string& op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
// Python's ordering for sort/min/max; `fold_case` compares strings case-insensitively.
bool less_than(const Value& a, const Value& b, bool fold_case = false);

// Jinja's getattr/getitem under the immutable sandbox: missing entries are Undefined, methods
// of str/dict/list come back bound, mutating methods raise SecurityError.
Value get_attr(const Value& object, const std::string& name);
Value get_item(const Value& object, const Value& key);
Value slice(const Value& object, const Value& start, const Value& stop, const Value& step);

// Items of a list, keys of a dict, characters of a string; Undefined iterates as empty.
std::vector<Value> iterate(const Value& v);

// A bound method of str, dict or list, or nullopt.
std::optional<Value> find_method(const Value& receiver, const std::string& name);

using FilterFn = Value (*)(const Value& operand, const Arguments& args);
using TestFn = bool (*)(const Value& operand, const Arguments& args);
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

// range, namespace, dict, raise_exception, strftime_now.
Value builtin_global(std::string_view name);

// Python's printf-style formatting: fmt % args.
std::string percent_format(const std::string& fmt, const std::vector<Value>& args);

// Unicode case mapping and Python's whitespace strip for the string helpers.
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string strip_chars(std::string_view s, const Value* chars, bool left, bool right);
std::vector<std::string> code_points(std::string_view s);

} // namespace mlxcpp::tokenizer::jinja::detail
