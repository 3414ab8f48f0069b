// jvp, vjp and vmap rules of the matrix products (batch axes arrive already broadcast) and of
// the quantized product with respect to its activations.
#include "mlx/ops.h"

#include "core/primitives/matmul.h"
#include "core/primitives/quantized.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

namespace {
array matrix_transpose(const array& a, Stream s) {
  return swapaxes(a, -1, -2, s);
}
} // namespace

std::vector<array> Matmul::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& ct = cotangents[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    vjps.push_back(i == 0 ? matmul(ct, matrix_transpose(primals[1], s), s)
                          : matmul(matrix_transpose(primals[0], s), ct, s));
  }
  return vjps;
}

std::vector<array> Matmul::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::optional<array> total;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term =
        argnums[k] == 0 ? matmul(tangents[k], primals[1], s) : matmul(primals[0], tangents[k], s);
    total = total ? add(*total, term, s) : term;
  }
  return {*total};
}

std::pair<std::vector<array>, std::vector<int>> Matmul::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  auto s = stream();
  int batch = batch_size(inputs, axes);
  // An unbatched operand broadcasts against the batch through matmul's own broadcasting.
  auto a = axes[0] >= 0 ? batch_to_front(inputs[0], axes[0], batch, s) : inputs[0];
  auto b = axes[1] >= 0 ? batch_to_front(inputs[1], axes[1], batch, s) : inputs[1];
  return {{matmul(a, b, s)}, {0}};
}

std::vector<array> AddMM::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>& argnums,
                              const std::vector<array>&) {
  auto s = stream();
  const auto& ct = cotangents[0];
  auto dtype = ct.dtype();
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 2) {
      vjps.push_back(multiply(array(beta_, dtype), ct, s));
    } else {
      auto scaled = multiply(array(alpha_, dtype), ct, s);
      vjps.push_back(i == 0 ? matmul(scaled, matrix_transpose(primals[1], s), s)
                            : matmul(matrix_transpose(primals[0], s), scaled, s));
    }
  }
  return vjps;
}

// x @ W.T (transpose) has dx = ct @ W; x @ W has dx = ct @ W.T: the same packed weights with
// the other orientation.
std::vector<array> QuantizedMatmul::vjp(const std::vector<array>& primals,
                                        const std::vector<array>& cotangents,
                                        const std::vector<int>& argnums,
                                        const std::vector<array>&) {
  auto s = stream();
  const auto& ct = cotangents[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i != 0) {
      throw std::invalid_argument(
          "[QuantizedMatmul] vjp is only implemented with respect to the input x, not the "
          "quantized weights, scales or biases.");
    }
    auto shape = ct.shape();
    shape.back() = primals[0].shape(-1);
    vjps.push_back(array(std::move(shape), ct.dtype(),
                         std::make_shared<QuantizedMatmul>(s, group_size_, bits_, !transpose_),
                         {ct, primals[1], primals[2], primals[3]}));
  }
  return vjps;
}

} // namespace mlx::core
