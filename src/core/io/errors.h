// Error messages for the loaders: "[op] file 'path': problem".
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mlx::core::io::detail {

template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// Thrown for a damaged or hostile file: names the operation, the file and the problem.
template <typename... Parts>
[[noreturn]] void format_error(std::string_view op, const std::string& label,
                               const Parts&... problem) {
  throw std::runtime_error(concat("[", op, "] ", label, ": ", problem...));
}

// A string from a file made safe to print in an error: control and non-ASCII bytes escaped,
// and long strings cut.
std::string printable(std::string_view s, size_t max_length = 80);

} // namespace mlx::core::io::detail
