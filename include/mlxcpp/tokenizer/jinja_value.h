// Values of our Jinja2 engine, with Python's semantics (what transformers' chat templates see):
// None, bool, int, float, str, list/tuple, dict (insertion-ordered), callables, and Jinja's
// Undefined. Lists and dicts are shared by reference, as Python objects are.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mlxcpp::tokenizer::jinja {

class Value;

struct Object {
  std::vector<std::pair<std::string, Value>> items;

  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  void set(std::string key, Value value);
};

struct Arguments {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at `position`, else the keyword `name`, else null.
  const Value* get(size_t position, std::string_view name) const;
};

using Function = std::function<Value(const Arguments&)>;

class Value {
public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, Array, Object, Function };

  Value() = default; // Undefined
  Value(std::nullptr_t) : kind_(Kind::None) {}
  Value(bool b) : kind_(Kind::Bool), data_(b) {}
  Value(int i) : kind_(Kind::Int), data_(int64_t{i}) {}
  Value(int64_t i) : kind_(Kind::Int), data_(i) {}
  Value(double f) : kind_(Kind::Float), data_(f) {}
  Value(std::string s) : kind_(Kind::String), data_(std::move(s)) {}
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}

  static Value undefined(std::string name);
  static Value array(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items);
  static Value object(Object items = {});
  // A namespace() object: the one kind of object whose attributes {% set %} may assign.
  static Value namespace_object(Object items);
  static Value function(std::string name, Function fn);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || is_bool(); }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_tuple() const { return kind_ == Kind::Array && flag_; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_namespace() const { return kind_ == Kind::Object && flag_; }
  bool is_function() const { return kind_ == Kind::Function; }

  // Accessors raise a TypeError (a TemplateError once rendering reports it) for another kind.
  bool as_bool() const;
  int64_t as_int() const;  // bools count as 0/1 and floats truncate, as int() does
  double as_float() const; // ints widen
  const std::string& as_string() const;
  std::vector<Value>& items() const;
  Object& members() const;
  const Function& function() const;
  // The name of an Undefined or a function, for messages.
  const std::string& name() const;

  bool truthy() const;
  std::string str() const;  // Python str()
  std::string repr() const; // Python repr()
  std::string type_name() const;
  // Number of items of a str (code points), list or dict; throws for other kinds.
  size_t length() const;
  bool identical(const Value& other) const; // Python's `is`

  // Python's json.dumps(value, ensure_ascii=..., indent=..., separators=..., sort_keys=...) with
  // transformers' tojson defaults. Throws for values JSON cannot hold.
  struct JsonStyle {
    int indent = -1; // None
    bool sort_keys = false;
    bool ensure_ascii = false;
    // Item and key separators; empty means json.dumps' default for the indent.
    std::string item_separator, key_separator;
  };
  std::string to_json(const JsonStyle& style) const;
  std::string to_json() const { return to_json(JsonStyle{}); }

  friend bool operator==(const Value& a, const Value& b);

private:
  struct Callable {
    std::string name;
    Function fn;
  };
  Kind kind_ = Kind::Undefined;
  bool flag_ = false; // tuple for arrays, namespace for objects
  std::variant<std::monostate, bool, int64_t, double, std::string,
               std::shared_ptr<std::vector<Value>>, std::shared_ptr<Object>,
               std::shared_ptr<Callable>>
      data_;
};

// Python's repr() of a float ("1.0", "1e+20", "0.30000000000000004").
std::string format_float(double f);

} // namespace mlxcpp::tokenizer::jinja
