// A compiled PCRE2 pattern (UTF + Unicode properties, JIT when available) that finds all
// matches in a string. Safe to use from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlxcpp::tokenizer::detail {

class Regex {
public:
  // Throws std::invalid_argument with PCRE2's message and the offset of the error.
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Byte ranges [begin, end) of the successive non-overlapping matches in `text`.
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Escapes `literal` so that it matches itself.
std::string regex_escape(std::string_view literal);

} // namespace mlxcpp::tokenizer::detail
