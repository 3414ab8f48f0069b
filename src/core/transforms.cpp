// Graph evaluation: order the unevaluated nodes depth-first, run each primitive on its stream's
// device, and detach evaluated nodes so intermediate buffers are freed as soon as possible.
#include "mlx/transforms.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include "mlx/primitives.h"

#include "core/backend_registry.h"

namespace mlx::core {

namespace {

// Post-order of the unevaluated nodes reachable from `outputs` (inputs before their users).
// Iterative, since model graphs can be deep.
std::vector<array> build_tape(const std::vector<array>& outputs) {
  std::vector<array> tape;
  std::unordered_set<std::uintptr_t> visited;
  struct Frame {
    array node;
    size_t next_input;
  };
  std::vector<Frame> stack;
  auto needs_eval = [](const array& a) {
    return a.status() == array::Status::unscheduled && a.has_primitive();
  };
  for (const auto& out : outputs) {
    if (!needs_eval(out) || !visited.insert(out.id()).second) {
      continue;
    }
    stack.push_back({out, 0});
    while (!stack.empty()) {
      auto& frame = stack.back();
      const auto& inputs = frame.node.inputs();
      if (frame.next_input < inputs.size()) {
        const auto& in = inputs[frame.next_input++];
        if (needs_eval(in) && visited.insert(in.id()).second) {
          stack.push_back({in, 0});
        }
        continue;
      }
      // Siblings are computed together with this node; mark them so they are not revisited.
      for (const auto& s : frame.node.siblings()) {
        visited.insert(s.id());
      }
      frame.node.set_status(array::Status::scheduled);
      for (const auto& s : frame.node.siblings()) {
        s.set_status(array::Status::scheduled);
      }
      tape.push_back(std::move(frame.node));
      stack.pop_back();
    }
  }
  return tape;
}

void run_node(array& node) {
  auto outputs = node.outputs();
  auto& primitive = node.primitive();
  if (primitive.device().type == Device::cpu) {
    primitive.eval_cpu(node.inputs(), outputs);
  } else {
    gpu_backend::eval(primitive, node.inputs(), outputs);
  }
  for (auto& out : outputs) {
    out.set_status(array::Status::available);
  }
  if (!node.is_tracer()) {
    node.detach();
  }
}

// Runs the graph; returns the GPU streams it queued work on.
std::vector<Stream> run_graph(const std::vector<array>& outputs) {
  auto tape = build_tape(outputs);
  std::vector<Stream> gpu_streams;
  for (size_t i = 0; i < tape.size(); ++i) {
    // Take the node off the tape so that, once its users have run and detached, nothing keeps
    // its buffer alive.
    array node = std::move(tape[i]);
    try {
      const Stream& stream = node.primitive().stream();
      if (stream.device.type == Device::gpu &&
          std::find(gpu_streams.begin(), gpu_streams.end(), stream) == gpu_streams.end()) {
        gpu_streams.push_back(stream);
      }
      run_node(node);
    } catch (...) {
      // Leave the graph re-evaluable: whatever did not run goes back to unscheduled.
      auto reset = [](array& a) {
        if (a.status() == array::Status::scheduled) {
          a.set_status(array::Status::unscheduled);
          for (auto& s : a.siblings()) {
            s.set_status(array::Status::unscheduled);
          }
        }
      };
      reset(node);
      for (size_t j = i + 1; j < tape.size(); ++j) {
        reset(tape[j]);
      }
      throw;
    }
  }
  return gpu_streams;
}

} // namespace

void eval(std::vector<array> outputs) {
  // As MLX's: the outputs are computed when eval returns (GPU streams are waited for).
  for (const auto& stream : run_graph(outputs)) {
    gpu_backend::synchronize(stream);
  }
}

void async_eval(std::vector<array> outputs) {
  // CPU primitives run to completion here; GPU ones are queued on their streams, and the host
  // waits when it reads the data (or calls eval or synchronize).
  run_graph(outputs);
}

} // namespace mlx::core
