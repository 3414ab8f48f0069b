#include "command.h"

namespace mlxcpp::cli {

std::vector<Command>& commands() {
  // Function-local so that registrations from any translation unit find it constructed.
  static std::vector<Command> all;
  return all;
}

} // namespace mlxcpp::cli
