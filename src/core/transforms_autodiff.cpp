// Reverse- and forward-mode differentiation: vjp, jvp, value_and_grad. Both trace the function
// on copies of the primals, keep the nodes that depend on them (the tape), then run each
// node's rule: backwards accumulating cotangents (vjp), or forwards pushing tangents (jvp).
#include <set>
#include <sstream>
#include <unordered_map>

#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/transforms.h"

#include "core/primitives/custom.h"
#include "core/transforms_graph.h"

namespace mlx::core {

namespace {

using Fn = std::function<std::vector<array>(const std::vector<array>&)>;

// A stand-in for a primal that shares its buffer (no copy) and is marked as a tracer, so that
// evaluating inside the function keeps the graph the transform walks afterwards.
std::vector<array> make_tracers(const std::vector<array>& primals) {
  std::vector<array> tracers;
  tracers.reserve(primals.size());
  for (const auto& p : primals) {
    tracers.emplace_back(p.shape(), p.dtype(), std::make_shared<Depends>(detail::stream_of(p)),
                         std::vector<array>{p});
    tracers.back().set_tracer(true);
  }
  return tracers;
}

void require_float_primals(const char* op, const std::vector<array>& primals) {
  for (size_t i = 0; i < primals.size(); ++i) {
    if (!issubdtype(primals[i].dtype(), floating)) {
      std::ostringstream msg;
      msg << "[" << op << "] Can only differentiate with respect to floating-point arrays; input "
          << i << " has type " << primals[i].dtype() << ".";
      throw std::invalid_argument(msg.str());
    }
  }
}

std::unordered_set<std::uintptr_t> ids_of(const std::vector<array>& arrays) {
  std::unordered_set<std::uintptr_t> ids;
  for (const auto& a : arrays) {
    ids.insert(a.id());
  }
  return ids;
}

bool is_stop_gradient(const array& a) {
  return a.has_primitive() && dynamic_cast<StopGradient*>(&a.primitive()) != nullptr;
}

// The tangents of a node's outputs from its primitive's jvp or, when it has none, as the
// transpose of its vjp: ct -> J^T ct is linear, so the vjp of that map at t gives J t.
std::vector<array> node_jvp(const array& node, const std::vector<array>& tangents,
                            const std::vector<int>& argnums) {
  try {
    return node.primitive().jvp(node.inputs(), tangents, argnums);
  } catch (const detail::TransformNotImplemented&) {
  }
  auto outputs = node.outputs();
  std::vector<array> zero_cts;
  for (const auto& o : outputs) {
    zero_cts.push_back(zeros_like(o, detail::stream_of(node)));
  }
  auto transpose = [&](const std::vector<array>& cts) {
    return node.primitive().vjp(node.inputs(), cts, argnums, outputs);
  };
  auto result = detail::vjp_unchecked(transpose, zero_cts, tangents).second;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!issubdtype(outputs[i].dtype(), inexact)) {
      result[i] = zeros_like(outputs[i]);
    }
  }
  return result;
}

} // namespace

namespace detail {

std::pair<std::vector<array>, std::vector<array>>
vjp_unchecked(const Fn& fun, const std::vector<array>& primals, const std::vector<array>& cotans) {
  auto tracers = make_tracers(primals);
  auto outputs = fun(tracers);

  // Pair the outputs with the cotangents, skipping the outputs behind stop_gradient.
  std::unordered_map<std::uintptr_t, array> cotan_map;
  size_t next = 0;
  for (const auto& out : outputs) {
    if (is_stop_gradient(out)) {
      continue;
    }
    if (next >= cotans.size()) {
      std::ostringstream msg;
      msg << "[vjp] Number of outputs to compute gradients for (" << outputs.size()
          << ") does not match number of cotangents (" << cotans.size() << ").";
      throw std::invalid_argument(msg.str());
    }
    const auto& ct = cotans[next++];
    if (ct.shape() != out.shape()) {
      std::ostringstream msg;
      msg << "[vjp] Output shape " << out.shape() << " does not match cotangent shape "
          << ct.shape() << ".";
      if (ct.size() == 1 && out.size() != 1) {
        msg << " If you are using grad your function must return a scalar.";
      }
      throw std::invalid_argument(msg.str());
    }
    auto cast = astype(ct, out.dtype(), stream_of(out));
    if (auto it = cotan_map.find(out.id()); it != cotan_map.end()) {
      it->second = add(it->second, cast, stream_of(out));
    } else {
      cotan_map.emplace(out.id(), cast);
    }
  }

  auto needs_grad = ids_of(tracers);
  for (auto& t : tracers) {
    t.set_tracer(false);
  }
  auto tape = dependent_tape(outputs, needs_grad, true);

  for (auto it = tape.rbegin(); it != tape.rend(); ++it) {
    const array& node = *it;
    auto node_outputs = node.outputs();
    bool has_cotan = false;
    for (const auto& o : node_outputs) {
      has_cotan |= cotan_map.count(o.id()) > 0;
    }
    if (!has_cotan) {
      continue;
    }
    auto s = node.primitive().stream();
    std::vector<array> node_cotans;
    for (const auto& o : node_outputs) {
      if (auto c = cotan_map.find(o.id()); c != cotan_map.end()) {
        node_cotans.push_back(std::move(c->second));
        cotan_map.erase(c);
      } else {
        node_cotans.push_back(zeros_like(o, s));
      }
    }
    std::vector<int> argnums;
    const auto& inputs = node.inputs();
    for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
      if (needs_grad.count(inputs[i].id()) > 0) {
        argnums.push_back(i);
      }
    }
    auto vjps = node.primitive().vjp(inputs, node_cotans, argnums, node_outputs);
    for (size_t i = 0; i < argnums.size(); ++i) {
      const auto& in = inputs[argnums[i]];
      auto v = vjps[i];
      if (v.shape() != in.shape()) {
        std::ostringstream msg;
        msg << "[vjp] The rule of " << node.primitive().name() << " gave shape " << v.shape()
            << " for an input of shape " << in.shape() << ".";
        throw std::runtime_error(msg.str());
      }
      if (v.dtype() != in.dtype()) {
        v = astype(v, in.dtype(), s);
      }
      if (auto c = cotan_map.find(in.id()); c != cotan_map.end()) {
        c->second = add(c->second, v, s);
      } else {
        cotan_map.emplace(in.id(), v);
      }
    }
  }

  std::vector<array> vjps;
  for (size_t i = 0; i < tracers.size(); ++i) {
    if (auto c = cotan_map.find(tracers[i].id()); c != cotan_map.end()) {
      vjps.push_back(c->second);
    } else {
      vjps.push_back(zeros_like(primals[i], stream_of(primals[i])));
    }
  }
  return {outputs, vjps};
}

} // namespace detail

std::pair<std::vector<array>, std::vector<array>>
vjp(const Fn& fun, const std::vector<array>& primals, const std::vector<array>& cotangents) {
  require_float_primals("vjp", primals);
  return detail::vjp_unchecked(fun, primals, cotangents);
}

std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent) {
  auto vec_fun = [&fun](const std::vector<array>& in) { return std::vector<array>{fun(in[0])}; };
  auto [outputs, vjps] = vjp(vec_fun, {primal}, {cotangent});
  return {outputs[0], vjps[0]};
}

std::pair<std::vector<array>, std::vector<array>>
jvp(const Fn& fun, const std::vector<array>& primals, const std::vector<array>& tangents) {
  if (primals.size() != tangents.size()) {
    throw std::invalid_argument("[jvp] Number of inputs does not match number of tangents.");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (primals[i].shape() != tangents[i].shape()) {
      throw std::invalid_argument("[jvp] Input shape does not match shape of tangent.");
    }
  }
  require_float_primals("jvp", primals);
  auto tracers = make_tracers(primals);
  auto outputs = fun(tracers);

  auto has_tangent = ids_of(tracers);
  for (auto& t : tracers) {
    t.set_tracer(false);
  }
  auto tape = detail::dependent_tape(outputs, has_tangent, true);

  std::unordered_map<std::uintptr_t, array> tan_map;
  for (size_t i = 0; i < tracers.size(); ++i) {
    tan_map.emplace(tracers[i].id(), astype(tangents[i], primals[i].dtype()));
  }
  for (const auto& node : tape) {
    std::vector<int> argnums;
    std::vector<array> node_tangents;
    const auto& inputs = node.inputs();
    for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
      if (auto t = tan_map.find(inputs[i].id()); t != tan_map.end()) {
        argnums.push_back(i);
        node_tangents.push_back(t->second);
      }
    }
    auto jvps = node_jvp(node, node_tangents, argnums);
    auto node_outputs = node.outputs();
    for (size_t i = 0; i < jvps.size(); ++i) {
      auto t = jvps[i];
      if (t.dtype() != node_outputs[i].dtype()) {
        t = astype(t, node_outputs[i].dtype(), node.primitive().stream());
      }
      tan_map.emplace(node_outputs[i].id(), t);
    }
  }

  std::vector<array> jvps;
  for (const auto& out : outputs) {
    if (auto t = tan_map.find(out.id()); t != tan_map.end()) {
      jvps.push_back(t->second);
    } else {
      jvps.push_back(zeros_like(out, detail::stream_of(out)));
    }
  }
  return {outputs, jvps};
}

std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent) {
  auto vec_fun = [&fun](const std::vector<array>& in) { return std::vector<array>{fun(in[0])}; };
  auto [outputs, jvps] = jvp(vec_fun, {primal}, {tangent});
  return {outputs[0], jvps[0]};
}

ValueAndGradFn value_and_grad(const Fn& fun, const std::vector<int>& argnums) {
  if (argnums.empty()) {
    throw std::invalid_argument("[grad] Must specify at least one argument.");
  }
  return [fun, argnums](const std::vector<array>& inputs) {
    int n = static_cast<int>(inputs.size());
    std::set<int> args;
    for (int arg : argnums) {
      args.insert(arg < 0 ? arg + n : arg);
    }
    if (args.size() != argnums.size()) {
      throw std::invalid_argument("[grad] Repeat argument number not allowed in grad.");
    }
    if (*args.begin() < 0 || *args.rbegin() >= n) {
      std::ostringstream msg;
      msg << "[grad] Invalid argument number for function with " << n << " inputs.";
      throw std::invalid_argument(msg.str());
    }
    std::vector<array> diff_inputs;
    for (int arg : args) {
      diff_inputs.push_back(inputs[arg]);
    }
    for (size_t i = 0; i < diff_inputs.size(); ++i) {
      if (!issubdtype(diff_inputs[i].dtype(), floating)) {
        std::ostringstream msg;
        msg << "[grad] Can only differentiate with respect to floating-point arrays; argument "
            << *std::next(args.begin(), static_cast<long>(i)) << " has type "
            << diff_inputs[i].dtype() << ".";
        throw std::invalid_argument(msg.str());
      }
    }
    // Only the first output is differentiated; the others are auxiliary values.
    auto partial = [&](const std::vector<array>& diff) {
      std::vector<array> all(inputs);
      auto arg = args.begin();
      for (const auto& d : diff) {
        all[*arg++] = d;
      }
      auto outputs = fun(all);
      for (size_t i = 1; i < outputs.size(); ++i) {
        outputs[i] = stop_gradient(outputs[i], detail::stream_of(outputs[i]));
      }
      return outputs;
    };
    return detail::vjp_unchecked(partial, diff_inputs, {array(1.0f)});
  };
}

} // namespace mlx::core
