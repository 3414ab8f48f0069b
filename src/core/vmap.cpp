// vmap: trace the function on unbatched stand-ins of the inputs, then rebuild every node that
// depends on a batched input with its primitive's vmap rule. A primitive without a rule is
// applied once per batch entry and the results stacked, so that every op can be vmapped.
#include <sstream>
#include <unordered_map>

#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/transforms.h"

#include "core/transforms_graph.h"

namespace mlx::core {

namespace {

using Fn = std::function<std::vector<array>(const std::vector<array>&)>;

// The primitive of `node` applied to each batch entry of its inputs, stacked along axis 0.
std::vector<array> vmap_by_loop(const array& node, const std::vector<array>& inputs,
                                const std::vector<int>& axes) {
  int batch = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      batch = inputs[i].shape(axes[i]);
    }
  }
  auto outputs = node.outputs();
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (const auto& o : outputs) {
    shapes.push_back(o.shape());
    dtypes.push_back(o.dtype());
  }
  auto s = node.primitive().stream();
  std::vector<std::vector<array>> per_output(outputs.size());
  for (int b = 0; b < batch; ++b) {
    std::vector<array> entry;
    for (size_t i = 0; i < inputs.size(); ++i) {
      entry.push_back(axes[i] >= 0 ? take(inputs[i], b, axes[i], s) : inputs[i]);
    }
    auto outs = array::make_arrays(shapes, dtypes, node.primitive_ptr(), entry);
    for (size_t i = 0; i < outs.size(); ++i) {
      per_output[i].push_back(outs[i]);
    }
  }
  std::vector<array> stacked;
  for (auto& parts : per_output) {
    stacked.push_back(stack(parts, 0, s));
  }
  return stacked;
}

std::vector<array> vmap_impl(const Fn& fun, const std::vector<array>& inputs,
                             const std::vector<int>& in_axes, std::vector<int> out_axes) {
  if (in_axes.size() != inputs.size()) {
    std::ostringstream msg;
    msg << "[vmap] The number of in axes (" << in_axes.size()
        << ") must match the number of inputs (" << inputs.size() << ").";
    throw std::invalid_argument(msg.str());
  }
  int batch = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    int ax = in_axes[i];
    if (ax == -1) {
      continue;
    }
    if (inputs[i].ndim() == 0) {
      throw std::invalid_argument("[vmap] Cannot vmap an input with zero dimensions.");
    }
    if (ax < 0 || ax >= static_cast<int>(inputs[i].ndim())) {
      std::ostringstream msg;
      msg << "[vmap] Axis " << ax << " invalid for input with " << inputs[i].ndim()
          << " dimensions.";
      throw std::invalid_argument(msg.str());
    }
    if (batch >= 0 && inputs[i].shape(ax) != batch) {
      std::ostringstream msg;
      msg << "[vmap] Inconsistent axis sizes: " << inputs[i].shape(ax) << " and " << batch << ".";
      throw std::invalid_argument(msg.str());
    }
    batch = inputs[i].shape(ax);
  }

  // Unbatched stand-ins without data: the trace only records the graph.
  std::vector<array> stand_ins;
  std::unordered_map<std::uintptr_t, std::pair<array, int>> batched;
  std::unordered_set<std::uintptr_t> sources;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (in_axes[i] == -1) {
      stand_ins.push_back(inputs[i]);
      continue;
    }
    Shape shape = inputs[i].shape();
    shape.erase(shape.begin() + in_axes[i]);
    stand_ins.emplace_back(std::move(shape), inputs[i].dtype(), nullptr, std::vector<array>{});
    stand_ins.back().set_tracer(true);
    batched.emplace(stand_ins.back().id(), std::make_pair(inputs[i], in_axes[i]));
    sources.insert(stand_ins.back().id());
  }
  auto traced = fun(stand_ins);
  if (out_axes.empty()) {
    out_axes.assign(traced.size(), 0);
  }
  if (out_axes.size() != traced.size()) {
    throw std::invalid_argument("[vmap] The number of out axes must match the number of outputs.");
  }
  for (auto& s : stand_ins) {
    s.set_tracer(false);
  }

  auto tape = detail::dependent_tape(traced, sources, false);
  for (const auto& node : tape) {
    std::vector<array> v_inputs;
    std::vector<int> v_axes;
    for (const auto& in : node.inputs()) {
      if (auto it = batched.find(in.id()); it != batched.end()) {
        v_inputs.push_back(it->second.first);
        v_axes.push_back(it->second.second);
      } else {
        v_inputs.push_back(in);
        v_axes.push_back(-1);
      }
    }
    std::vector<array> v_outputs;
    std::vector<int> v_out_axes;
    try {
      std::tie(v_outputs, v_out_axes) = node.primitive().vmap(v_inputs, v_axes);
    } catch (const detail::TransformNotImplemented&) {
      v_outputs = vmap_by_loop(node, v_inputs, v_axes);
      v_out_axes.assign(v_outputs.size(), 0);
    }
    auto outputs = node.outputs();
    for (size_t i = 0; i < v_outputs.size(); ++i) {
      // A rule built from ops may pick another dtype than the traced node had (a float32
      // accumulation, say); keep the traced one so later nodes see what they were built for.
      if (v_outputs[i].dtype() != outputs[i].dtype()) {
        v_outputs[i] = astype(v_outputs[i], outputs[i].dtype(), node.primitive().stream());
      }
      batched.emplace(outputs[i].id(), std::make_pair(v_outputs[i], v_out_axes[i]));
    }
  }

  std::vector<array> results;
  for (size_t i = 0; i < traced.size(); ++i) {
    auto it = batched.find(traced[i].id());
    if (it == batched.end()) {
      results.push_back(traced[i]); // independent of the batched inputs, as MLX
      continue;
    }
    auto [out, axis] = it->second;
    if (axis != out_axes[i]) {
      if (out_axes[i] < 0 || out_axes[i] >= static_cast<int>(out.ndim())) {
        std::ostringstream msg;
        msg << "[vmap] Axis " << out_axes[i] << " invalid for output with " << out.ndim()
            << " dimensions.";
        throw std::invalid_argument(msg.str());
      }
      out = moveaxis(out, axis, out_axes[i]);
    }
    results.push_back(out);
  }
  return results;
}

} // namespace

Fn vmap(const Fn& fun, const std::vector<int>& in_axes, const std::vector<int>& out_axes) {
  auto all_negative = [](const std::vector<int>& axes) {
    return !axes.empty() && std::all_of(axes.begin(), axes.end(), [](int ax) { return ax < 0; });
  };
  if (all_negative(in_axes) != all_negative(out_axes)) {
    throw std::invalid_argument(
        "[vmap] Input (or output) axes must be specified if output (or input) axes are.");
  }
  return [fun, in_axes, out_axes](const std::vector<array>& inputs) {
    auto axes = in_axes.empty() ? std::vector<int>(inputs.size(), 0) : in_axes;
    return vmap_impl(fun, inputs, axes, out_axes);
  };
}

std::function<array(const array&, const array&)>
vmap(const std::function<array(const array&, const array&)>& fun, int in_axis_a, int in_axis_b,
     int out_axis) {
  auto vfun =
      vmap([fun](const std::vector<array>& in) { return std::vector<array>{fun(in[0], in[1])}; },
           {in_axis_a, in_axis_b}, {out_axis});
  return [vfun](const array& a, const array& b) { return vfun({a, b})[0]; };
}

std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun, int in_axis,
                                        int out_axis) {
  auto vfun = vmap([fun](const std::vector<array>& in) { return std::vector<array>{fun(in[0])}; },
                   {in_axis}, {out_axis});
  return [vfun](const array& a) { return vfun({a})[0]; };
}

} // namespace mlx::core
