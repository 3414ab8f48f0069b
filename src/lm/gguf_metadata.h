// Typed reads of GGUF metadata whose errors name the key: GGUF stores numbers as 0-d arrays of
// whichever integer or float type the writer chose, lists as 1-d arrays or string lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlxcpp/lm/gguf.h"

namespace mlxcpp::lm::detail {

class GGUFReader {
public:
  explicit GGUFReader(const GGUFMetadata& metadata) : metadata_(metadata) {}

  bool has(const std::string& key) const;
  // Whether the value is a list of numbers or booleans (not a scalar).
  bool is_list(const std::string& key) const;
  std::string string(const std::string& key) const;
  std::optional<std::string> optional_string(const std::string& key) const;
  int64_t integer(const std::string& key) const;
  std::optional<int64_t> optional_integer(const std::string& key) const;
  double number(const std::string& key) const;
  std::optional<double> optional_number(const std::string& key) const;
  std::optional<bool> optional_bool(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;
  std::vector<float> floats(const std::string& key) const;
  // Integers, or booleans as 0/1.
  std::vector<int32_t> integers(const std::string& key) const;

private:
  const mlx::core::array& scalar(const std::string& key, const char* expected) const;
  const mlx::core::array& list(const std::string& key, const char* expected) const;
  [[noreturn]] void bad(const std::string& key, const char* expected) const;

  const GGUFMetadata& metadata_;
};

} // namespace mlxcpp::lm::detail
