// Jinja's tests: `x is defined`, `x is string`, `n is divisibleby 3`, ...
#include <map>

#include "tokenizer/jinja/runtime.h"

namespace mlxcpp::tokenizer::jinja::detail {

namespace {

const Value& operand_arg(const Arguments& a) {
  static const Value undefined;
  const Value* v = a.get(0, "other");
  return v ? *v : undefined;
}

bool t_defined(const Value& v, const Arguments&) {
  return !v.is_undefined();
}
bool t_undefined(const Value& v, const Arguments&) {
  return v.is_undefined();
}
bool t_none(const Value& v, const Arguments&) {
  return v.is_none();
}
bool t_boolean(const Value& v, const Arguments&) {
  return v.is_bool();
}
bool t_true(const Value& v, const Arguments&) {
  return v.is_bool() && v.as_bool();
}
bool t_false(const Value& v, const Arguments&) {
  return v.is_bool() && !v.as_bool();
}
bool t_string(const Value& v, const Arguments&) {
  return v.is_string();
}
bool t_number(const Value& v, const Arguments&) {
  return v.is_number();
}
bool t_integer(const Value& v, const Arguments&) {
  return v.is_int();
}
bool t_float(const Value& v, const Arguments&) {
  return v.is_float();
}
bool t_mapping(const Value& v, const Arguments&) {
  return v.is_object();
}
bool t_sequence(const Value& v, const Arguments&) {
  return v.is_string() || v.is_array() || v.is_object();
}
bool t_iterable(const Value& v, const Arguments&) {
  return v.is_string() || v.is_array() || v.is_object();
}
bool t_callable(const Value& v, const Arguments&) {
  return v.is_function();
}
bool t_escaped(const Value&, const Arguments&) {
  return false;
}

bool t_odd(const Value& v, const Arguments&) {
  if (!v.is_number()) {
    raise_error("TypeError: odd test needs a number");
  }
  return v.as_int() % 2 != 0;
}
bool t_even(const Value& v, const Arguments& a) {
  return !t_odd(v, a);
}
bool t_divisibleby(const Value& v, const Arguments& a) {
  int64_t n = operand_arg(a).as_int();
  if (n == 0) {
    raise_error("ZeroDivisionError: integer division or modulo by zero");
  }
  return v.as_int() % n == 0;
}

bool t_lower(const Value& v, const Arguments&) {
  return v.is_string() && to_lower(v.as_string()) == v.as_string();
}
bool t_upper(const Value& v, const Arguments&) {
  return v.is_string() && to_upper(v.as_string()) == v.as_string();
}

bool t_eq(const Value& v, const Arguments& a) {
  return v == operand_arg(a);
}
bool t_ne(const Value& v, const Arguments& a) {
  return !(v == operand_arg(a));
}
bool t_lt(const Value& v, const Arguments& a) {
  return compare_op("<", v, operand_arg(a));
}
bool t_le(const Value& v, const Arguments& a) {
  return compare_op("<=", v, operand_arg(a));
}
bool t_gt(const Value& v, const Arguments& a) {
  return compare_op(">", v, operand_arg(a));
}
bool t_ge(const Value& v, const Arguments& a) {
  return compare_op(">=", v, operand_arg(a));
}
bool t_in(const Value& v, const Arguments& a) {
  const Value* seq = a.get(0, "seq");
  return seq && contains(*seq, v);
}
bool t_sameas(const Value& v, const Arguments& a) {
  return v.identical(operand_arg(a));
}

} // namespace

TestFn find_test(std::string_view name) {
  static const std::map<std::string_view, TestFn> tests = {
      {"defined", t_defined},
      {"undefined", t_undefined},
      {"none", t_none},
      {"boolean", t_boolean},
      {"true", t_true},
      {"false", t_false},
      {"string", t_string},
      {"number", t_number},
      {"integer", t_integer},
      {"float", t_float},
      {"mapping", t_mapping},
      {"sequence", t_sequence},
      {"iterable", t_iterable},
      {"callable", t_callable},
      {"escaped", t_escaped},
      {"odd", t_odd},
      {"even", t_even},
      {"divisibleby", t_divisibleby},
      {"lower", t_lower},
      {"upper", t_upper},
      {"eq", t_eq},
      {"equalto", t_eq},
      {"==", t_eq},
      {"ne", t_ne},
      {"!=", t_ne},
      {"lt", t_lt},
      {"lessthan", t_lt},
      {"<", t_lt},
      {"le", t_le},
      {"<=", t_le},
      {"gt", t_gt},
      {"greaterthan", t_gt},
      {">", t_gt},
      {"ge", t_ge},
      {">=", t_ge},
      {"in", t_in},
      {"sameas", t_sameas},
  };
  auto it = tests.find(name);
  return it == tests.end() ? nullptr : it->second;
}

} // namespace mlxcpp::tokenizer::jinja::detail
