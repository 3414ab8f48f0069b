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

namespace {

// The matrices of `a` ([..., R, C]) as one stack [n, R, C].
array as_stack(const array& a, Stream s) {
  return reshape(a, {-1, a.shape(-2), a.shape(-1)}, s);
}

// Adds the products [n, R, C] into a zero stack shaped like `like` at the flat matrix indices,
// then gives it like's shape: the transpose of selecting like's matrices by those indices.
array accumulate_matrices(const array& like, const array& flat_indices, const array& products,
                          Stream s) {
  auto stack = as_stack(like, s);
  auto summed =
      scatter_add(zeros_like(stack, s), {flat_indices}, expand_dims(products, 1, s), {0}, s);
  return reshape(summed, like.shape(), s);
}

} // namespace

// out[i] = a[lhs[i]] @ b[rhs[i]]: each product's cotangent goes back to the two matrices it
// used, accumulated over the entries that share one.
std::vector<array> GatherMM::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto &a = primals[0], &b = primals[1];
  auto lhs = flatten(primals[2], s);
  auto rhs = flatten(primals[3], s);
  auto ct = as_stack(cotangents[0], s);
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      auto b_used = take(as_stack(b, s), rhs, 0, s);
      vjps.push_back(accumulate_matrices(a, lhs, matmul(ct, matrix_transpose(b_used, s), s), s));
    } else if (i == 1) {
      auto a_used = take(as_stack(a, s), lhs, 0, s);
      vjps.push_back(accumulate_matrices(b, rhs, matmul(matrix_transpose(a_used, s), ct, s), s));
    } else {
      vjps.push_back(zero_cotangent(primals[i], s));
    }
  }
  return vjps;
}

// With respect to x only: entry i's cotangent times the same packed expert weights in the
// other orientation, accumulated into x's matrix lhs[i].
std::vector<array> GatherQMM::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& x = primals[0];
  auto ct = as_stack(cotangents[0], s);
  int n = ct.shape(0);
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i >= 4) {
      vjps.push_back(zero_cotangent(primals[i], s));
      continue;
    }
    if (i != 0) {
      throw std::invalid_argument(
          "[GatherQMM] vjp is only implemented with respect to the input x, not the quantized "
          "weights, scales or biases.");
    }
    auto each = reshape(arange(0.0, static_cast<double>(n), 1.0, uint32, s), {n}, s);
    auto rhs = flatten(primals[5], s);
    Shape shape = {n, ct.shape(1), x.shape(-1)};
    auto products =
        array(shape, ct.dtype(),
              std::make_shared<GatherQMM>(s, group_size_, bits_, !transpose_, false, false),
              {ct, primals[1], primals[2], primals[3], each, rhs});
    vjps.push_back(accumulate_matrices(x, flatten(primals[4], s), products, s));
  }
  return vjps;
}

} // namespace mlx::core
