#include "backend/cpu/elementwise_layout.h"

#include "backend/common/strides.h"

namespace mlx::core::cpu {

ElementwiseLayout prepare_elementwise_output(const std::vector<array>& inputs, array& out,
                                             bool allow_donation) {
  const array* model = nullptr; // the non-scalar input whose layout the output copies
  bool all_scalar = true;
  bool flat = true;
  for (const auto& in : inputs) {
    if (in.data_size() == 1) {
      continue;
    }
    all_scalar = false;
    if (!in.flags().contiguous) {
      flat = false;
    } else if (model == nullptr) {
      model = &in;
    } else if (model->strides() != in.strides() || model->data_size() != in.data_size()) {
      flat = false;
    }
  }
  auto try_donate = [&](const array& in) {
    if (allow_donation && in.is_donatable() && in.itemsize() == out.itemsize() &&
        in.data_size() == out.size() && in.flags().row_contiguous) {
      out.copy_shared_buffer(in);
      return true;
    }
    return false;
  };
  if (all_scalar) {
    // Every axis of an output computed from scalars is a broadcast axis.
    Strides zero(out.ndim(), 0);
    auto contiguity = check_contiguity(out.shape(), zero);
    out.set_data(allocator::malloc(out.itemsize()), 1, zero, contiguity.flags);
    return ElementwiseLayout::Scalar;
  }
  if (flat && model != nullptr) {
    for (const auto& in : inputs) {
      if (in.data_size() != 1 && try_donate(in)) {
        return ElementwiseLayout::Flat;
      }
    }
    out.set_data(allocator::malloc(model->data_size() * out.itemsize()), model->data_size(),
                 model->strides(), model->flags());
    return ElementwiseLayout::Flat;
  }
  for (const auto& in : inputs) {
    if (try_donate(in)) {
      return ElementwiseLayout::General;
    }
  }
  out.set_data(allocator::malloc(out.nbytes()));
  return ElementwiseLayout::General;
}

} // namespace mlx::core::cpu
