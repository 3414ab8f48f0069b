// Global functions available to every template: Jinja's range, namespace and dict, and the
// helpers transformers adds for chat templates, raise_exception and strftime_now.
#include <ctime>

#include "tokenizer/jinja/runtime.h"

namespace mlxcpp::tokenizer::jinja::detail {

namespace {

Value g_range(const Arguments& a) {
  std::vector<int64_t> p;
  for (const auto& v : a.positional) {
    if (!v.is_int() && !v.is_bool()) {
      raise_error("TypeError: '" + v.type_name() + "' object cannot be interpreted as an integer");
    }
    p.push_back(v.as_int());
  }
  int64_t start = 0, stop = 0, step = 1;
  if (p.size() == 1) {
    stop = p[0];
  } else if (p.size() == 2 || p.size() == 3) {
    start = p[0];
    stop = p[1];
    step = p.size() == 3 ? p[2] : 1;
  } else {
    raise_error("TypeError: range expected 1 to 3 arguments");
  }
  if (step == 0) {
    raise_error("ValueError: range() arg 3 must not be zero");
  }
  std::vector<Value> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (out.size() >= 100000) {
      raise_error("OverflowError: range too big, maximum size for range is 100000");
    }
    out.emplace_back(i);
  }
  return Value::array(std::move(out));
}

Object keyword_object(const Arguments& a) {
  Object obj;
  for (const auto& v : a.positional) {
    if (!v.is_object()) {
      raise_error("TypeError: expected a mapping");
    }
    for (const auto& [k, x] : v.members().items) {
      obj.set(k, x);
    }
  }
  for (const auto& [k, v] : a.keyword) {
    obj.set(k, v);
  }
  return obj;
}

Value g_namespace(const Arguments& a) {
  return Value::namespace_object(keyword_object(a));
}
Value g_dict(const Arguments& a) {
  return Value::object(keyword_object(a));
}

Value g_raise_exception(const Arguments& a) {
  const Value* message = a.get(0, "message");
  raise_template_exception(message ? message->str() : std::string());
}

Value g_strftime_now(const Arguments& a) {
  const Value* format = a.get(0, "format");
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[256];
  size_t n = std::strftime(buf, sizeof(buf), format ? format->str().c_str() : "", &local);
  return Value(std::string(buf, n));
}

} // namespace

Value builtin_global(std::string_view name) {
  if (name == "range") {
    return Value::function("range", g_range);
  }
  if (name == "namespace") {
    return Value::function("namespace", g_namespace);
  }
  if (name == "dict") {
    return Value::function("dict", g_dict);
  }
  if (name == "raise_exception") {
    return Value::function("raise_exception", g_raise_exception);
  }
  if (name == "strftime_now") {
    return Value::function("strftime_now", g_strftime_now);
  }
  return Value::undefined("'" + std::string(name) + "' is undefined");
}

} // namespace mlxcpp::tokenizer::jinja::detail
