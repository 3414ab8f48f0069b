// Evaluation and function transforms, as MLX's mlx/transforms.h: vjp, jvp, grad,
// value_and_grad, vmap, custom_function/custom_vjp and checkpoint.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "mlx/array.h"

namespace mlx::core {

/** Evaluate the arrays: run every unevaluated node they depend on. */
void eval(std::vector<array> outputs);

template <typename... Arrays, typename = enable_for_arrays_t<Arrays...>>
void eval(Arrays&&... outputs) {
  eval(std::vector<array>{std::forward<Arrays>(outputs)...});
}

/** Start evaluating the arrays and return; reading them waits for the result. */
void async_eval(std::vector<array> outputs);

template <typename... Arrays, typename = enable_for_arrays_t<Arrays...>>
void async_eval(Arrays&&... outputs) {
  async_eval(std::vector<array>{std::forward<Arrays>(outputs)...});
}

/**
 * The outputs of `fun` at `primals` and the vector-Jacobian products of `cotangents` (one per
 * output that is not a stop_gradient) with its Jacobian: one array per primal.
 */
std::pair<std::vector<array>, std::vector<array>>
vjp(const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents);

/** vjp of a unary function. */
std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent);

/**
 * The outputs of `fun` at `primals` and the Jacobian-vector products of its Jacobian with
 * `tangents` (one per primal, of its shape): one array per output.
 */
std::pair<std::vector<array>, std::vector<array>>
jvp(const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& tangents);

/** jvp of a unary function. */
std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent);

// A function of a vector of arrays returning its outputs and the gradients of its first
// output (a scalar) with respect to the selected arguments; further outputs are auxiliary.
using ValueAndGradFn =
    std::function<std::pair<std::vector<array>, std::vector<array>>(const std::vector<array>&)>;
using SimpleValueAndGradFn =
    std::function<std::pair<array, std::vector<array>>(const std::vector<array>&)>;

/** value_and_grad with respect to the arguments `argnums` (negative counts from the end). */
ValueAndGradFn
value_and_grad(const std::function<std::vector<array>(const std::vector<array>&)>& fun,
               const std::vector<int>& argnums);

inline ValueAndGradFn
value_and_grad(const std::function<std::vector<array>(const std::vector<array>&)>& fun,
               int argnum = 0) {
  return value_and_grad(fun, std::vector<int>{argnum});
}

inline std::function<std::pair<array, array>(const array&)>
value_and_grad(const std::function<array(const array&)>& fun) {
  return [fun](const array& input) { return vjp(fun, input, array(1.0f)); };
}

inline SimpleValueAndGradFn
value_and_grad(const std::function<array(const std::vector<array>&)>& fun,
               const std::vector<int>& argnums) {
  // Built once, so that bad argnums are reported here rather than at the first call.
  auto vector_fn = value_and_grad(
      [fun](const std::vector<array>& in) { return std::vector<array>{fun(in)}; }, argnums);
  return [vector_fn](const std::vector<array>& inputs) {
    auto result = vector_fn(inputs);
    return std::make_pair(result.first[0], result.second);
  };
}

inline SimpleValueAndGradFn
value_and_grad(const std::function<array(const std::vector<array>&)>& fun, int argnum = 0) {
  return value_and_grad(fun, std::vector<int>{argnum});
}

/** The gradients of a scalar function with respect to the arguments `argnums`. */
inline std::function<std::vector<array>(const std::vector<array>&)>
grad(const std::function<array(const std::vector<array>&)>& fun, const std::vector<int>& argnums) {
  auto fn = value_and_grad(fun, argnums);
  return [fn](const std::vector<array>& inputs) { return fn(inputs).second; };
}

inline std::function<std::vector<array>(const std::vector<array>&)>
grad(const std::function<array(const std::vector<array>&)>& fun, int argnum = 0) {
  return grad(fun, std::vector<int>{argnum});
}

inline std::function<array(const array&)> grad(const std::function<array(const array&)>& fun) {
  auto fn = value_and_grad(fun);
  return [fn](const array& input) { return fn(input).second; };
}

/** Vectorize a unary function over axis `in_axis` of its input; the result's is `out_axis`. */
std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun,
                                        int in_axis = 0, int out_axis = 0);

/** Vectorize a binary function; an in axis of -1 leaves that input unbatched. */
std::function<array(const array&, const array&)>
vmap(const std::function<array(const array&, const array&)>& fun, int in_axis_a = 0,
     int in_axis_b = 0, int out_axis = 0);

/**
 * Vectorize `fun` over `in_axes` of its inputs (-1: not batched; empty: all 0), putting the
 * batch axis of the outputs at `out_axes` (empty: all 0).
 */
std::function<std::vector<array>(const std::vector<array>&)>
vmap(const std::function<std::vector<array>(const std::vector<array>&)>& fun,
     const std::vector<int>& in_axes = {}, const std::vector<int>& out_axes = {});

/**
 * `fun` with its transforms replaced: `fun_vjp(primals, cotangents, outputs)` for vjp,
 * `fun_jvp(primals, tangents, argnums)` for jvp, `fun_vmap(inputs, axes)` for vmap. A
 * transform not given is derived from `fun` itself.
 */
std::function<std::vector<array>(const std::vector<array>&)> custom_function(
    std::function<std::vector<array>(const std::vector<array>&)> fun,
    std::optional<std::function<std::vector<array>(
        const std::vector<array>&, const std::vector<array>&, const std::vector<array>&)>>
        fun_vjp = std::nullopt,
    std::optional<std::function<std::vector<array>(
        const std::vector<array>&, const std::vector<array>&, const std::vector<int>&)>>
        fun_jvp = std::nullopt,
    std::optional<std::function<std::pair<std::vector<array>, std::vector<int>>(
        const std::vector<array>&, const std::vector<int>&)>>
        fun_vmap = std::nullopt);

/** `fun`, whose vjp is `fun_vjp(primals, cotangents, outputs)`. */
std::function<std::vector<array>(const std::vector<array>&)>
custom_vjp(std::function<std::vector<array>(const std::vector<array>&)> fun,
           std::function<std::vector<array>(const std::vector<array>&, const std::vector<array>&,
                                            const std::vector<array>&)>
               fun_vjp);

/**
 * `fun`, whose intermediate values are not kept for the backward pass: its vjp runs `fun`
 * again. Trades compute for memory.
 */
std::function<std::vector<array>(const std::vector<array>&)>
checkpoint(std::function<std::vector<array>(const std::vector<array>&)> fun);

} // namespace mlx::core
