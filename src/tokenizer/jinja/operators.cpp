// Python semantics of Jinja's operators, attribute/item access and iteration.
#include <algorithm>
#include <cmath>

#include "tokenizer/jinja/runtime.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::jinja::detail {

void raise_error(const std::string& message) {
  throw JinjaError(message);
}

void raise_undefined(const Value& undefined) {
  raise_error("UndefinedError: " +
              (undefined.name().empty() ? std::string("value is undefined") : undefined.name()));
}

std::vector<std::string> code_points(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = tokenizer::detail::utf8_length(static_cast<unsigned char>(s[i]));
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
  case Value::Kind::Array:
    return v.items();
  case Value::Kind::Object: {
    std::vector<Value> keys;
    for (const auto& [k, _] : v.members().items) {
      keys.emplace_back(k);
    }
    return keys;
  }
  case Value::Kind::String: {
    std::vector<Value> chars;
    for (auto& c : code_points(v.as_string())) {
      chars.emplace_back(std::move(c));
    }
    return chars;
  }
  case Value::Kind::Undefined:
    return {};
  default:
    raise_error("TypeError: '" + v.type_name() + "' object is not iterable");
  }
}

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  raise_error("TypeError: unsupported operand type(s) for " + op + ": '" + a.type_name() +
              "' and '" + b.type_name() + "'");
}

Value repeat(const Value& seq, int64_t n) {
  if (seq.is_string()) {
    std::string out;
    for (int64_t i = 0; i < n; ++i) {
      out += seq.as_string();
    }
    return Value(std::move(out));
  }
  std::vector<Value> out;
  for (int64_t i = 0; i < n; ++i) {
    out.insert(out.end(), seq.items().begin(), seq.items().end());
  }
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::array(std::move(out));
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

} // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") {
    return Value(a.str() + b.str());
  }
  if (a.is_undefined()) {
    raise_undefined(a);
  }
  if (b.is_undefined()) {
    raise_undefined(b);
  }
  bool numbers = a.is_number() && b.is_number();
  bool floats = numbers && (a.is_float() || b.is_float());
  if (op == "+") {
    if (numbers) {
      return floats ? Value(a.as_float() + b.as_float()) : Value(a.as_int() + b.as_int());
    }
    if (a.is_string() && b.is_string()) {
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_array() && b.is_array() && a.is_tuple() == b.is_tuple()) {
      std::vector<Value> out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return a.is_tuple() ? Value::tuple(std::move(out)) : Value::array(std::move(out));
    }
    if (a.is_string()) {
      raise_error("TypeError: can only concatenate str (not \"" + b.type_name() + "\") to str");
    }
    if (a.is_array() && !a.is_tuple()) {
      raise_error("TypeError: can only concatenate list (not \"" + b.type_name() + "\") to list");
    }
    unsupported("+", a, b);
  }
  if (op == "-") {
    if (!numbers) {
      unsupported("-", a, b);
    }
    return floats ? Value(a.as_float() - b.as_float()) : Value(a.as_int() - b.as_int());
  }
  if (op == "*") {
    if (numbers) {
      return floats ? Value(a.as_float() * b.as_float()) : Value(a.as_int() * b.as_int());
    }
    if ((a.is_string() || a.is_array()) && (b.is_int() || b.is_bool())) {
      return repeat(a, b.as_int());
    }
    if ((b.is_string() || b.is_array()) && (a.is_int() || a.is_bool())) {
      return repeat(b, a.as_int());
    }
    unsupported("*", a, b);
  }
  if (op == "/") {
    if (!numbers) {
      unsupported("/", a, b);
    }
    if (b.as_float() == 0.0) {
      raise_error("ZeroDivisionError: division by zero");
    }
    return Value(a.as_float() / b.as_float());
  }
  if (op == "//" || op == "%") {
    if (op == "%" && a.is_string()) {
      return Value(percent_format(a.as_string(), b.is_tuple() ? b.items() : std::vector<Value>{b}));
    }
    if (!numbers) {
      unsupported(op, a, b);
    }
    if (floats) {
      double x = a.as_float(), y = b.as_float();
      if (y == 0.0) {
        raise_error(op == "//" ? "ZeroDivisionError: float floor division by zero"
                               : "ZeroDivisionError: float modulo");
      }
      double q = std::floor(x / y);
      return op == "//" ? Value(q) : Value(x - q * y);
    }
    int64_t x = a.as_int(), y = b.as_int();
    if (y == 0) {
      raise_error("ZeroDivisionError: integer division or modulo by zero");
    }
    int64_t q = floor_div(x, y);
    return op == "//" ? Value(q) : Value(x - q * y);
  }
  if (op == "**") {
    if (!numbers) {
      unsupported("** or pow()", a, b);
    }
    if (!floats && b.as_int() >= 0) {
      int64_t result = 1, base = a.as_int();
      for (int64_t e = b.as_int(); e > 0; --e) {
        result *= base;
      }
      return Value(result);
    }
    return Value(std::pow(a.as_float(), b.as_float()));
  }
  raise_error("unknown operator " + op);
}

bool less_than(const Value& a, const Value& b, bool fold_case) {
  if (a.is_number() && b.is_number()) {
    return a.as_float() < b.as_float();
  }
  if (a.is_string() && b.is_string()) {
    return fold_case ? to_lower(a.as_string()) < to_lower(b.as_string())
                     : a.as_string() < b.as_string();
  }
  if (a.is_array() && b.is_array()) {
    const auto &x = a.items(), &y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!(x[i] == y[i])) {
        return less_than(x[i], y[i], fold_case);
      }
    }
    return x.size() < y.size();
  }
  if (a.is_undefined()) {
    raise_undefined(a);
  }
  if (b.is_undefined()) {
    raise_undefined(b);
  }
  raise_error("TypeError: '<' not supported between instances of '" + a.type_name() + "' and '" +
              b.type_name() + "'");
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
  case Value::Kind::String:
    if (!item.is_string()) {
      raise_error("TypeError: 'in <string>' requires string as left operand, not " +
                  item.type_name());
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  case Value::Kind::Array:
    for (const auto& v : container.items()) {
      if (v == item) {
        return true;
      }
    }
    return false;
  case Value::Kind::Object:
    return item.is_string() && container.members().find(item.as_string()) != nullptr;
  case Value::Kind::Undefined:
    raise_undefined(container);
  default:
    raise_error("TypeError: argument of type '" + container.type_name() + "' is not iterable");
  }
}

bool compare_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") {
    return a == b;
  }
  if (op == "!=") {
    return !(a == b);
  }
  if (op == "in") {
    return contains(b, a);
  }
  if (op == "notin") {
    return !contains(b, a);
  }
  if (op == "<") {
    return less_than(a, b);
  }
  if (op == ">") {
    return less_than(b, a);
  }
  if (op == "<=") {
    return !less_than(b, a);
  }
  if (op == ">=") {
    return !less_than(a, b);
  }
  raise_error("unknown comparison " + op);
}

Value get_attr(const Value& object, const std::string& name) {
  switch (object.kind()) {
  case Value::Kind::Undefined:
    raise_undefined(object);
  case Value::Kind::Object:
    if (!object.is_namespace()) {
      if (auto method = find_method(object, name)) {
        return *method;
      }
    }
    if (const Value* v = object.members().find(name)) {
      return *v;
    }
    break;
  case Value::Kind::String:
  case Value::Kind::Array:
    if (auto method = find_method(object, name)) {
      return *method;
    }
    break;
  default:
    break;
  }
  return Value::undefined("'" + object.type_name() + " object' has no attribute '" + name + "'");
}

Value get_item(const Value& object, const Value& key) {
  switch (object.kind()) {
  case Value::Kind::Undefined:
    raise_undefined(object);
  case Value::Kind::Object:
    if (key.is_string()) {
      if (const Value* v = object.members().find(key.as_string())) {
        return *v;
      }
      return get_attr(object, key.as_string());
    }
    break;
  case Value::Kind::Array:
  case Value::Kind::String:
    if (key.is_int() || key.is_bool()) {
      std::vector<Value> items = object.is_array() ? object.items() : iterate(object);
      int64_t i = key.as_int();
      auto n = static_cast<int64_t>(items.size());
      if (i < 0) {
        i += n;
      }
      if (i >= 0 && i < n) {
        return items[static_cast<size_t>(i)];
      }
      return Value::undefined(object.type_name() + " object has no element " +
                              std::to_string(key.as_int()));
    }
    if (key.is_string()) {
      return get_attr(object, key.as_string());
    }
    break;
  default:
    break;
  }
  return Value::undefined("'" + object.type_name() + " object' has no attribute '" + key.str() +
                          "'");
}

Value slice(const Value& object, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (object.is_undefined()) {
    raise_undefined(object);
  }
  if (!object.is_array() && !object.is_string()) {
    raise_error("TypeError: '" + object.type_name() + "' object is not subscriptable");
  }
  std::vector<Value> items = iterate(object);
  auto n = static_cast<int64_t>(items.size());
  int64_t step = step_v.is_undefined() || step_v.is_none() ? 1 : step_v.as_int();
  if (step == 0) {
    raise_error("ValueError: slice step cannot be zero");
  }
  auto bound = [&](const Value& v, int64_t fallback) {
    if (v.is_undefined() || v.is_none()) {
      return fallback;
    }
    int64_t i = v.as_int();
    if (i < 0) {
      i += n;
    }
    return step > 0 ? std::clamp<int64_t>(i, 0, n) : std::clamp<int64_t>(i, -1, n - 1);
  };
  int64_t start = bound(start_v, step > 0 ? 0 : n - 1);
  int64_t stop = bound(stop_v, step > 0 ? n : -1);
  std::vector<Value> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push_back(items[static_cast<size_t>(i)]);
  }
  if (object.is_string()) {
    std::string s;
    for (const auto& v : out) {
      s += v.as_string();
    }
    return Value(std::move(s));
  }
  return object.is_tuple() ? Value::tuple(std::move(out)) : Value::array(std::move(out));
}

} // namespace mlxcpp::tokenizer::jinja::detail
