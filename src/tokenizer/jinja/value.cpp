#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "mlxcpp/tokenizer/jinja_value.h"
#include "tokenizer/jinja/error.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::jinja {

using detail::JinjaError;

const Value* Object::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

Value* Object::find(std::string_view key) {
  for (auto& [k, v] : items) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

void Object::set(std::string key, Value value) {
  if (Value* v = find(key)) {
    *v = std::move(value);
  } else {
    items.emplace_back(std::move(key), std::move(value));
  }
}

const Value* Arguments::get(size_t position, std::string_view name) const {
  if (position < positional.size()) {
    return &positional[position];
  }
  for (const auto& [k, v] : keyword) {
    if (k == name) {
      return &v;
    }
  }
  return nullptr;
}

Value Value::undefined(std::string name) {
  Value v;
  v.data_ = std::move(name);
  return v;
}

Value Value::array(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::Array;
  v.data_ = std::make_shared<std::vector<Value>>(std::move(items));
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v = array(std::move(items));
  v.flag_ = true;
  return v;
}

Value Value::object(Object items) {
  Value v;
  v.kind_ = Kind::Object;
  v.data_ = std::make_shared<Object>(std::move(items));
  return v;
}

Value Value::namespace_object(Object items) {
  Value v = object(std::move(items));
  v.flag_ = true;
  return v;
}

Value Value::function(std::string name, Function fn) {
  Value v;
  v.kind_ = Kind::Function;
  v.data_ = std::make_shared<Callable>(Callable{std::move(name), std::move(fn)});
  return v;
}

namespace {
[[noreturn]] void wrong_kind(const Value& v, const char* expected) {
  throw JinjaError("TypeError: expected " + std::string(expected) + ", got '" + v.type_name() +
                   "'");
}
} // namespace

bool Value::as_bool() const {
  if (kind_ != Kind::Bool) {
    wrong_kind(*this, "a bool");
  }
  return std::get<bool>(data_);
}

int64_t Value::as_int() const {
  switch (kind_) {
  case Kind::Bool:
    return std::get<bool>(data_) ? 1 : 0;
  case Kind::Float: {
    double f = std::get<double>(data_);
    if (!std::isfinite(f) || std::fabs(f) > 9.2e18) {
      throw JinjaError("OverflowError: cannot convert float " + format_float(f) + " to integer");
    }
    return static_cast<int64_t>(f);
  }
  case Kind::Int:
    return std::get<int64_t>(data_);
  default:
    wrong_kind(*this, "a number");
  }
}

double Value::as_float() const {
  if (kind_ == Kind::Float) {
    return std::get<double>(data_);
  }
  return static_cast<double>(as_int());
}

const std::string& Value::as_string() const {
  if (kind_ != Kind::String) {
    wrong_kind(*this, "a string");
  }
  return std::get<std::string>(data_);
}

std::vector<Value>& Value::items() const {
  if (kind_ != Kind::Array) {
    wrong_kind(*this, "a list");
  }
  return *std::get<std::shared_ptr<std::vector<Value>>>(data_);
}

Object& Value::members() const {
  if (kind_ != Kind::Object) {
    wrong_kind(*this, "a dict");
  }
  return *std::get<std::shared_ptr<Object>>(data_);
}

const Function& Value::function() const {
  if (kind_ != Kind::Function) {
    wrong_kind(*this, "a function");
  }
  return std::get<std::shared_ptr<Callable>>(data_)->fn;
}

const std::string& Value::name() const {
  static const std::string empty;
  if (kind_ == Kind::Undefined && std::holds_alternative<std::string>(data_)) {
    return std::get<std::string>(data_);
  }
  if (kind_ == Kind::Function) {
    return std::get<std::shared_ptr<Callable>>(data_)->name;
  }
  return empty;
}

bool Value::truthy() const {
  switch (kind_) {
  case Kind::Undefined:
  case Kind::None:
    return false;
  case Kind::Bool:
    return as_bool();
  case Kind::Int:
    return as_int() != 0;
  case Kind::Float:
    return as_float() != 0.0;
  case Kind::String:
    return !as_string().empty();
  case Kind::Array:
    return !items().empty();
  case Kind::Object:
    return is_namespace() || !members().items.empty();
  case Kind::Function:
    return true;
  }
  return false;
}

std::string format_float(double f) {
  if (std::isnan(f)) {
    return "nan";
  }
  if (std::isinf(f)) {
    return f > 0 ? "inf" : "-inf";
  }
  // Shortest round-trip digits, then Python's layout: positional for exponents in [-4, 16),
  // scientific otherwise, always with a '.0' or an exponent so it reads back as a float.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string sci(buf, end);
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exponent = std::stoi(sci.substr(e + 1));
  bool negative = mantissa[0] == '-';
  if (negative) {
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') {
      digits += c;
    }
  }
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exponent + 1) {
      out += digits + std::string(static_cast<size_t>(exponent + 1) - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(exponent + 1)) + "." +
             digits.substr(static_cast<size_t>(exponent + 1));
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += "." + digits.substr(1);
  }
  char exp[16];
  std::snprintf(exp, sizeof(exp), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp;
}

namespace {

std::string repr_string(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    uint32_t cp = tokenizer::detail::next_code_point(s, i);
    switch (cp) {
    case '\\':
      out += "\\\\";
      continue;
    case '\n':
      out += "\\n";
      continue;
    case '\r':
      out += "\\r";
      continue;
    case '\t':
      out += "\\t";
      continue;
    default:
      break;
    }
    if (cp == static_cast<uint32_t>(quote)) {
      out += '\\';
      out += quote;
    } else if (cp < 0x20 || cp == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", cp);
      out += buf;
    } else {
      out.append(s, start, i - start);
    }
  }
  out += quote;
  return out;
}

} // namespace

std::string Value::str() const {
  switch (kind_) {
  case Kind::Undefined:
    return "";
  case Kind::String:
    return as_string();
  default:
    return repr();
  }
}

std::string Value::repr() const {
  switch (kind_) {
  case Kind::Undefined:
    return "Undefined";
  case Kind::None:
    return "None";
  case Kind::Bool:
    return as_bool() ? "True" : "False";
  case Kind::Int:
    return std::to_string(as_int());
  case Kind::Float:
    return format_float(as_float());
  case Kind::String:
    return repr_string(as_string());
  case Kind::Array: {
    const auto& list = items();
    std::string out = is_tuple() ? "(" : "[";
    for (size_t i = 0; i < list.size(); ++i) {
      out += (i ? ", " : "") + list[i].repr();
    }
    if (is_tuple() && list.size() == 1) {
      out += ",";
    }
    return out + (is_tuple() ? ")" : "]");
  }
  case Kind::Object: {
    std::string out = is_namespace() ? "<Namespace {" : "{";
    bool first = true;
    for (const auto& [k, v] : members().items) {
      out += (first ? "" : ", ") + repr_string(k) + ": " + v.repr();
      first = false;
    }
    return out + (is_namespace() ? "}>" : "}");
  }
  case Kind::Function:
    return "<function " + name() + ">";
  }
  return "";
}

std::string Value::type_name() const {
  switch (kind_) {
  case Kind::Undefined:
    return "Undefined";
  case Kind::None:
    return "NoneType";
  case Kind::Bool:
    return "bool";
  case Kind::Int:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::String:
    return "str";
  case Kind::Array:
    return is_tuple() ? "tuple" : "list";
  case Kind::Object:
    return is_namespace() ? "Namespace" : "dict";
  case Kind::Function:
    return "function";
  }
  return "?";
}

size_t Value::length() const {
  switch (kind_) {
  case Kind::String: {
    size_t n = 0;
    for (char c : as_string()) {
      n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }
    return n;
  }
  case Kind::Array:
    return items().size();
  case Kind::Object:
    return members().items.size();
  case Kind::Undefined:
    return 0;
  default:
    throw JinjaError("TypeError: object of type '" + type_name() + "' has no len()");
  }
}

bool Value::identical(const Value& other) const {
  if (kind_ != other.kind_) {
    return false;
  }
  switch (kind_) {
  case Kind::Undefined:
  case Kind::None:
    return true;
  case Kind::Array:
  case Kind::Object:
  case Kind::Function:
    return data_ == other.data_;
  default:
    return *this == other;
  }
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      return a.as_float() == b.as_float();
    }
    return a.as_int() == b.as_int();
  }
  if (a.kind_ != b.kind_) {
    return false;
  }
  switch (a.kind_) {
  case Value::Kind::Undefined:
  case Value::Kind::None:
    return true;
  case Value::Kind::String:
    return a.as_string() == b.as_string();
  case Value::Kind::Array:
    return a.items() == b.items();
  case Value::Kind::Object: {
    const auto& x = a.members().items;
    const auto& y = b.members().items;
    if (x.size() != y.size()) {
      return false;
    }
    for (const auto& [k, v] : x) {
      const Value* other = b.members().find(k);
      if (!other || !(*other == v)) {
        return false;
      }
    }
    return true;
  }
  case Value::Kind::Function:
    return a.data_ == b.data_;
  default:
    return false;
  }
}

namespace {

void json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  if (ensure_ascii) {
    for (size_t i = 0; i < s.size();) {
      uint32_t cp = tokenizer::detail::next_code_point(s, i);
      if (cp < 0x80) {
        std::string one(1, static_cast<char>(cp));
        std::string escaped;
        json_string(escaped, one, false);
        out.append(escaped, 1, escaped.size() - 2);
        continue;
      }
      char buf[16];
      if (cp >= 0x10000) {
        cp -= 0x10000;
        std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
                      0xDC00 + (cp & 0x3FF));
      } else {
        std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      }
      out += buf;
    }
    out += '"';
    return;
  }
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  out += '"';
}

void json_value(std::string& out, const Value& v, const Value::JsonStyle& style, int depth) {
  const int indent = style.indent;
  auto newline = [&](int level) {
    out += '\n';
    out.append(static_cast<size_t>(indent * level), ' ');
  };
  const std::string item_sep =
      !style.item_separator.empty() ? style.item_separator : (indent < 0 ? ", " : ",");
  const std::string key_sep = !style.key_separator.empty() ? style.key_separator : ": ";
  switch (v.kind()) {
  case Value::Kind::None:
    out += "null";
    return;
  case Value::Kind::Bool:
    out += v.as_bool() ? "true" : "false";
    return;
  case Value::Kind::Int:
    out += std::to_string(v.as_int());
    return;
  case Value::Kind::Float: {
    double f = v.as_float();
    out += std::isnan(f)   ? "NaN"
           : std::isinf(f) ? (f > 0 ? "Infinity" : "-Infinity")
                           : format_float(f);
    return;
  }
  case Value::Kind::String:
    json_string(out, v.as_string(), style.ensure_ascii);
    return;
  case Value::Kind::Array: {
    const auto& list = v.items();
    if (list.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) {
        out += item_sep;
      }
      if (indent >= 0) {
        newline(depth + 1);
      }
      json_value(out, list[i], style, depth + 1);
    }
    if (indent >= 0) {
      newline(depth);
    }
    out += ']';
    return;
  }
  case Value::Kind::Object: {
    std::vector<const std::pair<std::string, Value>*> members;
    for (const auto& m : v.members().items) {
      members.push_back(&m);
    }
    if (members.empty()) {
      out += "{}";
      return;
    }
    if (style.sort_keys) {
      std::stable_sort(members.begin(), members.end(),
                       [](auto* a, auto* b) { return a->first < b->first; });
    }
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) {
        out += item_sep;
      }
      if (indent >= 0) {
        newline(depth + 1);
      }
      json_string(out, members[i]->first, style.ensure_ascii);
      out += key_sep;
      json_value(out, members[i]->second, style, depth + 1);
    }
    if (indent >= 0) {
      newline(depth);
    }
    out += '}';
    return;
  }
  default:
    throw JinjaError("TypeError: Object of type " + v.type_name() + " is not JSON serializable");
  }
}

} // namespace

std::string Value::to_json(const JsonStyle& style) const {
  std::string out;
  json_value(out, *this, style, 0);
  return out;
}

} // namespace mlxcpp::tokenizer::jinja
