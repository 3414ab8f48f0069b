#include "mlx/primitives.h"

#include <sstream>
#include <stdexcept>

#include "core/transforms_graph.h"

namespace mlx::core {

namespace {
std::string not_implemented_message(const Primitive& p, const char* what) {
  std::ostringstream msg;
  msg << "[" << p.name() << "] " << what << " is not implemented.";
  return msg.str();
}

[[noreturn]] void not_implemented(const Primitive& p, const char* what) {
  throw std::runtime_error(not_implemented_message(p, what));
}

// jvp and vmap have fallbacks (the transposed vjp, a loop over the batch) that catch this.
[[noreturn]] void no_transform_rule(const Primitive& p, const char* what) {
  throw detail::TransformNotImplemented(not_implemented_message(p, what));
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
  no_transform_rule(*this, "jvp");
}

std::vector<array> Primitive::vjp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  not_implemented(*this, "vjp");
}

std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(const std::vector<array>&,
                                                                const std::vector<int>&) {
  no_transform_rule(*this, "vmap");
}

std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) {
  not_implemented(*this, "output_shapes");
}

} // namespace mlx::core
