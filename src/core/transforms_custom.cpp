// custom_function, custom_vjp and checkpoint: the function's outputs are computed as usual,
// then wrapped in a CustomTransforms node whose rules are the user's.
#include "mlx/ops.h"
#include "mlx/transforms.h"

#include "core/primitives/custom.h"
#include "core/transforms_graph.h"

namespace mlx::core {

namespace {
using Fn = std::function<std::vector<array>(const std::vector<array>&)>;
} // namespace

Fn custom_function(Fn fun, std::optional<CustomTransforms::VjpFn> fun_vjp,
                   std::optional<CustomTransforms::JvpFn> fun_jvp,
                   std::optional<CustomTransforms::VmapFn> fun_vmap) {
  // Rules not given are derived from the function itself.
  CustomTransforms::VjpFn vjp_rule =
      fun_vjp ? *fun_vjp
              : [fun](const std::vector<array>& primals, const std::vector<array>& cotangents,
                      const std::vector<array>&) { return vjp(fun, primals, cotangents).second; };
  CustomTransforms::JvpFn jvp_rule =
      fun_jvp ? *fun_jvp
              : [fun](const std::vector<array>& primals, const std::vector<array>& tangents,
                      const std::vector<int>& argnums) {
                  std::vector<array> all_tangents;
                  for (const auto& p : primals) {
                    all_tangents.push_back(zeros_like(p));
                  }
                  for (size_t i = 0; i < argnums.size(); ++i) {
                    all_tangents[argnums[i]] = tangents[i];
                  }
                  return jvp(fun, primals, all_tangents).second;
                };
  CustomTransforms::VmapFn vmap_rule =
      fun_vmap ? *fun_vmap : [fun](const std::vector<array>& inputs, const std::vector<int>& axes) {
        auto outputs = vmap(fun, axes)(inputs);
        return std::make_pair(outputs, std::vector<int>(outputs.size(), 0));
      };
  return [fun = std::move(fun), vjp_rule, jvp_rule,
          vmap_rule](const std::vector<array>& args) -> std::vector<array> {
    auto outputs = fun(args);
    if (outputs.empty()) {
      return outputs;
    }
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    std::vector<array> inputs;
    for (const auto& out : outputs) {
      shapes.push_back(out.shape());
      dtypes.push_back(out.dtype());
      inputs.push_back(stop_gradient(out, detail::stream_of(out)));
    }
    inputs.insert(inputs.end(), args.begin(), args.end());
    auto prim = std::make_shared<CustomTransforms>(detail::stream_of(outputs[0]),
                                                   static_cast<int>(outputs.size()), vjp_rule,
                                                   jvp_rule, vmap_rule);
    return array::make_arrays(std::move(shapes), dtypes, prim, inputs);
  };
}

Fn custom_vjp(Fn fun, CustomTransforms::VjpFn fun_vjp) {
  return custom_function(std::move(fun), std::move(fun_vjp));
}

Fn checkpoint(Fn fun) {
  // The vjp runs the function again; depends() orders that rerun after the forward outputs,
  // so the recomputed intermediates exist only during the backward pass.
  auto rerun = [fun](const std::vector<array>& primals, const std::vector<array>& cotangents,
                     const std::vector<array>& outputs) {
    return vjp(fun, depends(primals, outputs), cotangents).second;
  };
  return custom_vjp(std::move(fun), rerun);
}

} // namespace mlx::core
