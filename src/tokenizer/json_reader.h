// A lean, read-only JSON document for loading tokenizer files fast. Strings are unescaped in
// place inside the document's own buffer and nodes live in one flat array, so a 33 MB
// tokenizer.json parses with two allocations instead of millions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlxcpp::tokenizer::detail {

class JsonDocument;

enum class JsonType : uint8_t { Null, Bool, Number, String, Array, Object };

class JsonRef {
public:
  JsonRef(const JsonDocument* doc, uint32_t index) : doc_(doc), index_(index) {}

  JsonType type() const;
  bool is_null() const { return type() == JsonType::Null; }
  bool is_bool() const { return type() == JsonType::Bool; }
  bool is_number() const { return type() == JsonType::Number; }
  bool is_string() const { return type() == JsonType::String; }
  bool is_array() const { return type() == JsonType::Array; }
  bool is_object() const { return type() == JsonType::Object; }

  // Accessors throw std::runtime_error naming `what` when the type does not match.
  bool as_bool(std::string_view what = "value") const;
  double as_number(std::string_view what = "value") const;
  int64_t as_int(std::string_view what = "value") const;
  std::string_view as_string(std::string_view what = "value") const;

  // Array elements or object members.
  size_t size() const;
  JsonRef operator[](size_t i) const;
  std::string_view key(size_t i) const;
  JsonRef value(size_t i) const;

  std::optional<JsonRef> find(std::string_view key) const;
  // A member that is absent or null reads as nullopt.
  std::optional<JsonRef> get(std::string_view key) const;

  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key, std::string_view fallback) const;
  std::optional<std::string> get_optional_string(std::string_view key) const;

private:
  const JsonDocument* doc_;
  uint32_t index_;
};

class JsonDocument {
public:
  // Throws std::runtime_error with the line and column of the first syntax error.
  static JsonDocument parse(std::string text);
  JsonRef root() const { return JsonRef(this, 0); }

  JsonDocument(JsonDocument&&) = default;
  JsonDocument& operator=(JsonDocument&&) = default;
  JsonDocument(const JsonDocument&) = delete;

private:
  friend class JsonRef;
  friend class JsonParser;
  JsonDocument() = default;

  struct Node {
    JsonType type;
    bool boolean = false;
    uint32_t count = 0;   // children (arrays) or members (objects); string length
    uint64_t payload = 0; // first child index, string offset, or the double's bits
  };
  std::string buffer_;
  std::vector<Node> nodes_;
};

} // namespace mlxcpp::tokenizer::detail
