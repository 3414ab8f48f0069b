// The mlxcpp stack library. Each area (src/<area>/) adds its own sources to this target.
namespace mlxcpp {
const char* version() {
  return "0.1.0";
}
} // namespace mlxcpp
