#include "mlxcpp/lm/moe.h"

#include <stdexcept>

#include "mlx/ops.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

SwitchLinear::SwitchLinear(int in_features, int out_features, int num_experts, bool has_bias)
    : weight(mx::zeros({num_experts, out_features, in_features})), in_(in_features),
      out_(out_features), experts_(num_experts) {
  register_parameter("weight", weight);
  if (has_bias) {
    bias = mx::zeros({num_experts, out_features});
    register_parameter("bias", *bias);
  }
}

array SwitchLinear::operator()(const array& x, const array& indices, bool sorted_indices) const {
  array y = bits_ > 0 ? mx::gather_qmm(x, weight, *scales, *biases, std::nullopt, indices, true,
                                       group_size_, bits_, "affine", sorted_indices)
                      : mx::gather_mm(x, mx::swapaxes(weight, -1, -2), std::nullopt, indices,
                                      sorted_indices);
  if (bias) {
    y = mx::add(y, mx::expand_dims(mx::take(*bias, indices, 0), -2));
  }
  return y;
}

void SwitchLinear::expect_quantized(int group_size, int bits) {
  if (bits_ > 0) {
    throw std::logic_error("SwitchLinear is already quantized.");
  }
  if (in_ % group_size != 0) {
    throw std::invalid_argument("SwitchLinear of " + std::to_string(in_) +
                                " inputs cannot be quantized with group size " +
                                std::to_string(group_size) + ".");
  }
  group_size_ = group_size;
  bits_ = bits;
  weight = mx::zeros({experts_, out_, in_ * bits / 32}, mx::uint32);
  scales = mx::zeros({experts_, out_, in_ / group_size});
  biases = mx::zeros({experts_, out_, in_ / group_size});
  register_parameter("scales", *scales);
  register_parameter("biases", *biases);
}

void SwitchLinear::quantize(int group_size, int bits) {
  auto dense = weight;
  expect_quantized(group_size, bits);
  auto q = mx::quantize(dense, group_size, bits);
  weight = q[0];
  *scales = q[1];
  *biases = q[2];
}

SwitchGLU::SwitchGLU(int hidden, int intermediate, int num_experts, nn::Activation activation,
                     bool bias)
    : gate_proj(hidden, intermediate, num_experts, bias),
      up_proj(hidden, intermediate, num_experts, bias),
      down_proj(intermediate, hidden, num_experts, bias), activation_(activation) {
  register_module("gate_proj", gate_proj);
  register_module("up_proj", up_proj);
  register_module("down_proj", down_proj);
}

array SwitchGLU::operator()(const array& x, const array& indices) const {
  // [..., hidden] -> [..., 1, 1, hidden]: one row per token, broadcast over its K experts.
  auto xe = mx::expand_dims(x, {-2, -3});
  auto idx = indices;
  auto h = mx::multiply(activation_(gate_proj(xe, idx)), up_proj(xe, idx));
  auto out = down_proj(h, idx);
  return mx::squeeze(out, -2);
}

std::pair<array, array> top_k_experts(const array& scores, int k) {
  int E = scores.shape(-1);
  if (k <= 0 || k > E) {
    throw std::invalid_argument("Experts per token must be in [1, " + std::to_string(E) + "].");
  }
  // argpartition puts the k largest last (unordered); take them with their scores.
  auto inds = mx::slice(mx::argpartition(mx::negative(scores), k - 1, -1),
                        mx::Shape(scores.ndim(), 0), [&] {
                          auto stop = scores.shape();
                          stop.back() = k;
                          return stop;
                        }());
  auto weights = mx::take_along_axis(scores, inds, -1);
  return {mx::astype(inds, mx::uint32), mx::astype(weights, mx::float32)};
}

WeightMap stack_experts(WeightMap weights, const std::string& prefix, int num_experts,
                        const std::vector<std::pair<std::string, std::string>>& names,
                        const std::string& switch_name) {
  for (const auto& [name, new_name] : names) {
    for (const char* param : {"weight", "scales", "biases", "bias"}) {
      auto key = [&](int e) {
        return prefix + ".experts." + std::to_string(e) + "." + name + "." + param;
      };
      if (!weights.count(key(0))) {
        continue;
      }
      std::vector<array> parts;
      for (int e = 0; e < num_experts; ++e) {
        auto it = weights.find(key(e));
        if (it == weights.end()) {
          throw std::runtime_error("Missing weight \"" + key(e) + "\" in the checkpoint.");
        }
        parts.push_back(it->second);
        weights.erase(it);
      }
      weights.insert_or_assign(prefix + "." + switch_name + "." + new_name + "." + param,
                               mx::stack(parts, 0));
    }
  }
  return weights;
}

} // namespace mlxcpp::lm
