// The graph walk shared by vjp, jvp and vmap.
#include "core/transforms_graph.h"

#include "mlx/primitives.h"

#include "core/primitives/custom.h"

namespace mlx::core::detail {

Stream stream_of(const array& a) {
  return a.has_primitive() ? a.primitive().stream() : default_stream(default_device());
}

std::vector<array> dependent_tape(const std::vector<array>& outputs,
                                  std::unordered_set<std::uintptr_t>& sources,
                                  bool stop_at_stop_gradient) {
  std::vector<array> tape;
  std::unordered_set<std::uintptr_t> visited(sources.begin(), sources.end());
  struct Frame {
    array node;
    size_t next_input;
  };
  // Iterative depth-first search: model graphs are too deep for recursion.
  std::vector<Frame> stack;
  for (const auto& out : outputs) {
    if (!visited.insert(out.id()).second) {
      continue;
    }
    stack.push_back({out, 0});
    while (!stack.empty()) {
      auto& frame = stack.back();
      const auto& inputs = frame.node.inputs();
      if (frame.next_input < inputs.size()) {
        const auto& in = inputs[frame.next_input++];
        if (visited.insert(in.id()).second) {
          stack.push_back({in, 0});
        }
        continue;
      }
      array node = std::move(frame.node);
      stack.pop_back();
      node.set_tracer(false);
      for (auto& s : node.siblings()) {
        s.set_tracer(false);
        visited.insert(s.id());
      }
      if (stop_at_stop_gradient && node.has_primitive() &&
          dynamic_cast<StopGradient*>(&node.primitive()) != nullptr) {
        continue;
      }
      bool depends = false;
      for (const auto& in : node.inputs()) {
        depends |= sources.count(in.id()) > 0;
      }
      if (depends) {
        sources.insert(node.id());
        for (const auto& s : node.siblings()) {
          sources.insert(s.id());
        }
        tape.push_back(std::move(node));
      }
    }
  }
  return tape;
}

} // namespace mlx::core::detail
