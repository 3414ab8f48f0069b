#include "core/primitives/transform_utils.h"

#include "mlx/ops.h"
#include "mlx/transforms.h"

namespace mlx::core {

array zero_cotangent(const array& primal, Stream s) {
  return zeros_like(primal, s);
}

bool differentiable(Dtype t) {
  return issubdtype(t, inexact);
}

std::vector<array> vjp_of_composition(const std::function<array(const std::vector<array>&)>& fun,
                                      const std::vector<array>& primals, const array& cotangent,
                                      const std::vector<int>& argnums) {
  // Only floating inputs are differentiated; the others (masks, offsets) get zeros.
  std::vector<int> diff_nums;
  std::vector<array> diff;
  for (int i : argnums) {
    if (issubdtype(primals[i].dtype(), floating)) {
      diff_nums.push_back(i);
      diff.push_back(primals[i]);
    }
  }
  auto partial = [&](const std::vector<array>& d) {
    std::vector<array> all(primals);
    for (size_t i = 0; i < diff_nums.size(); ++i) {
      all[diff_nums[i]] = d[i];
    }
    return std::vector<array>{fun(all)};
  };
  auto grads = vjp(partial, diff, {cotangent}).second;
  std::vector<array> vjps;
  size_t next = 0;
  for (int i : argnums) {
    vjps.push_back(issubdtype(primals[i].dtype(), floating) ? grads[next++]
                                                            : zeros_like(primals[i]));
  }
  return vjps;
}

int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      return inputs[i].shape(axes[i]);
    }
  }
  return 1;
}

array batch_to_front(const array& a, int ax, int batch, Stream s) {
  if (ax < 0) {
    Shape shape = a.shape();
    shape.insert(shape.begin(), batch);
    return broadcast_to(expand_dims(a, 0, s), shape, s);
  }
  return ax == 0 ? a : moveaxis(a, ax, 0, s);
}

std::pair<std::vector<array>, Shape> batch_first_aligned(const std::vector<array>& inputs,
                                                         const std::vector<int>& axes, Stream s) {
  int batch = batch_size(inputs, axes);
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(batch_to_front(inputs[i], axes[i], batch, s));
  }
  Shape shape = out[0].shape();
  for (auto& a : out) {
    shape = broadcast_shapes(shape, a.shape());
  }
  for (auto& a : out) {
    if (a.shape() != shape) {
      a = broadcast_to(a, shape, s);
    }
  }
  return {out, shape};
}

} // namespace mlx::core
