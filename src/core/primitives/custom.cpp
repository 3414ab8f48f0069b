// Transform rules of StopGradient and CustomTransforms.
#include "core/primitives/custom.h"

#include "mlx/ops.h"

namespace mlx::core {

std::pair<std::vector<array>, std::vector<int>> StopGradient::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  return {{stop_gradient(inputs[0], stream())}, {axes[0]}};
}

std::vector<array> CustomTransforms::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  std::vector<array> args(primals.begin() + num_outputs_, primals.end());
  auto arg_vjps = vjp_fun_(args, cotangents, outputs);
  if (arg_vjps.size() != args.size()) {
    throw std::invalid_argument(
        "[custom_vjp] The vjp function must return one cotangent per input of the function.");
  }
  std::vector<array> vjps;
  for (int i : argnums) {
    vjps.push_back(i < num_outputs_ ? zeros_like(primals[i], stream())
                                    : arg_vjps[i - num_outputs_]);
  }
  return vjps;
}

std::vector<array> CustomTransforms::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  std::vector<array> args(primals.begin() + num_outputs_, primals.end());
  std::vector<array> arg_tangents;
  std::vector<int> arg_nums;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] >= num_outputs_) {
      arg_tangents.push_back(tangents[i]);
      arg_nums.push_back(argnums[i] - num_outputs_);
    }
  }
  return jvp_fun_(args, arg_tangents, arg_nums);
}

std::pair<std::vector<array>, std::vector<int>>
CustomTransforms::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> args(inputs.begin() + num_outputs_, inputs.end());
  std::vector<int> arg_axes(axes.begin() + num_outputs_, axes.end());
  return vmap_fun_(args, arg_axes);
}

} // namespace mlx::core
