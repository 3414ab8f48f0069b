#include "mlxcpp/nn/layers.h"

#include <cmath>
#include <stdexcept>

#include "mlx/fast.h"

namespace mlxcpp::nn {

namespace mx = mlx::core;

namespace {
// Parameters start as zero-filled placeholders of the right shape; checkpoints or random
// initialization replace them.
array placeholder(mx::Shape shape) {
  return mx::zeros(std::move(shape), mx::float32);
}
} // namespace

Linear::Linear(int in_features, int out_features, bool has_bias)
    : weight(placeholder({out_features, in_features})), in_(in_features), out_(out_features) {
  register_parameter("weight", weight);
  if (has_bias) {
    bias = placeholder({out_features});
    register_parameter("bias", *bias);
  }
}

array Linear::operator()(const array& x) const {
  array y = bits_ > 0 ? mx::quantized_matmul(x, weight, *scales, *biases, true, group_size_, bits_)
                      : mx::matmul(x, mx::transpose(weight));
  return bias ? mx::add(y, *bias) : y;
}

void Linear::expect_quantized(int group_size, int bits) {
  if (bits_ > 0) {
    throw std::logic_error("Linear is already quantized.");
  }
  if (in_ % group_size != 0) {
    throw std::invalid_argument("Linear of " + std::to_string(in_) +
                                " inputs cannot be quantized with group size " +
                                std::to_string(group_size) + ".");
  }
  group_size_ = group_size;
  bits_ = bits;
  weight = mx::zeros({out_, in_ * bits / 32}, mx::uint32);
  scales = placeholder({out_, in_ / group_size});
  biases = placeholder({out_, in_ / group_size});
  register_parameter("scales", *scales);
  register_parameter("biases", *biases);
}

void Linear::quantize(int group_size, int bits) {
  auto dense = weight;
  expect_quantized(group_size, bits);
  auto q = mx::quantize(dense, group_size, bits);
  weight = q[0];
  *scales = q[1];
  *biases = q[2];
}

Embedding::Embedding(int num_embeddings, int dims)
    : weight(placeholder({num_embeddings, dims})), num_(num_embeddings), dims_(dims) {
  register_parameter("weight", weight);
}

array Embedding::operator()(const array& ids) const {
  if (bits_ == 0) {
    return mx::take(weight, ids, 0);
  }
  auto w = mx::take(weight, ids, 0);
  auto s = mx::take(*scales, ids, 0);
  auto b = mx::take(*biases, ids, 0);
  return mx::dequantize(w, s, b, group_size_, bits_);
}

array Embedding::as_linear(const array& x) const {
  if (bits_ == 0) {
    return mx::matmul(x, mx::transpose(weight));
  }
  return mx::quantized_matmul(x, weight, *scales, *biases, true, group_size_, bits_);
}

void Embedding::expect_quantized(int group_size, int bits) {
  if (bits_ > 0) {
    throw std::logic_error("Embedding is already quantized.");
  }
  if (dims_ % group_size != 0) {
    throw std::invalid_argument("Embedding of " + std::to_string(dims_) +
                                " dimensions cannot be quantized with group size " +
                                std::to_string(group_size) + ".");
  }
  group_size_ = group_size;
  bits_ = bits;
  weight = mx::zeros({num_, dims_ * bits / 32}, mx::uint32);
  scales = placeholder({num_, dims_ / group_size});
  biases = placeholder({num_, dims_ / group_size});
  register_parameter("scales", *scales);
  register_parameter("biases", *biases);
}

void Embedding::quantize(int group_size, int bits) {
  auto dense = weight;
  expect_quantized(group_size, bits);
  auto q = mx::quantize(dense, group_size, bits);
  weight = q[0];
  *scales = q[1];
  *biases = q[2];
}

RMSNorm::RMSNorm(int dims, float eps, float offset)
    : weight(offset == 0.0f ? mx::ones({dims}) : mx::zeros({dims})), eps_(eps), offset_(offset) {
  register_parameter("weight", weight);
}

array RMSNorm::operator()(const array& x) const {
  if (offset_ == 0.0f) {
    return mx::fast::rms_norm(x, weight, eps_);
  }
  // The gain is computed in float32, as Gemma's reference does, then applied in x's dtype.
  auto gain = mx::add(mx::astype(weight, mx::float32), mx::array(offset_));
  return mx::astype(mx::fast::rms_norm(mx::astype(x, mx::float32), gain, eps_), x.dtype());
}

LayerNorm::LayerNorm(int dims, float eps, bool affine, bool has_bias) : eps_(eps) {
  if (affine) {
    weight = mx::ones({dims});
    register_parameter("weight", *weight);
    if (has_bias) {
      bias = mx::zeros({dims});
      register_parameter("bias", *bias);
    }
  }
}

array LayerNorm::operator()(const array& x) const {
  return mx::fast::layer_norm(x, weight, bias, eps_);
}

array silu(const array& x) {
  return mx::multiply(x, mx::sigmoid(x));
}

array gelu(const array& x) {
  // x * Phi(x), with the exact normal CDF.
  auto cdf = mx::multiply(mx::add(mx::erf(mx::multiply(x, mx::array(M_SQRT1_2, x.dtype()))),
                                  mx::array(1.0f, x.dtype())),
                          mx::array(0.5f, x.dtype()));
  return mx::multiply(x, cdf);
}

array gelu_approx(const array& x) {
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch's tanh approximation.
  auto dtype = x.dtype();
  auto inner = mx::multiply(
      mx::array(0.7978845608028654f, dtype),
      mx::add(x, mx::multiply(mx::array(0.044715f, dtype), mx::multiply(x, mx::square(x)))));
  return mx::multiply(mx::multiply(mx::array(0.5f, dtype), x),
                      mx::add(mx::array(1.0f, dtype), mx::tanh(inner)));
}

array relu(const array& x) {
  return mx::maximum(x, mx::zeros({}, x.dtype()));
}

Activation activation_by_name(const std::string& name) {
  if (name == "silu" || name == "swish") {
    return silu;
  }
  if (name == "gelu" || name == "gelu_python") {
    return gelu;
  }
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast" ||
      name == "gelu_approx") {
    return gelu_approx;
  }
  if (name == "relu") {
    return relu;
  }
  throw std::invalid_argument("Unknown activation function \"" + name + "\".");
}

} // namespace mlxcpp::nn
