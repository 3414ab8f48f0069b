#include "mlx/primitives.h"

#include <sstream>
#include <stdexcept>

namespace mlx::core {

namespace {
[[noreturn]] void not_implemented(const Primitive& p, const char* what) {
  std::ostringstream msg;
  msg << "[" << p.name() << "] " << what << " is not implemented.";
  throw std::runtime_error(msg.str());
}
} // namespace

void Primitive::eval_gpu(const std::vector<array>&, std::vector<array>&) {
  not_implemented(*this, "The GPU kernel");
}

void UnaryPrimitive::eval_gpu(const std::vector<array>&, array&) {
  not_implemented(*this, "The GPU kernel");
}

std::vector<array> Primitive::jvp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&) {
  not_implemented(*this, "jvp");
}

std::vector<array> Primitive::vjp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  not_implemented(*this, "vjp");
}

std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(const std::vector<array>&,
                                                                const std::vector<int>&) {
  not_implemented(*this, "vmap");
}

std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) {
  not_implemented(*this, "output_shapes");
}

} // namespace mlx::core
