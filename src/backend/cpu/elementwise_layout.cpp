#include "backend/cpu/elementwise_layout.h"

#include <unistd.h>

#include <algorithm>

#include "backend/common/strides.h"
#include "backend/cpu/streaming_store.h"

namespace mlx::core::cpu {

namespace {

size_t last_level_cache_bytes() {
#if defined(_SC_LEVEL3_CACHE_SIZE) // glibc
  for (int level : {_SC_LEVEL4_CACHE_SIZE, _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL2_CACHE_SIZE}) {
    long bytes = sysconf(level);
    if (bytes > 0) {
      return static_cast<size_t>(bytes);
    }
  }
#endif
  return size_t{32} << 20;
}

} // namespace

bool prefer_streaming_stores(size_t bytes_touched) {
  // Capped because systems report the cache of a whole package (or, in virtual machines, of
  // the host) where one core cluster (an AMD CCX: 32 MB) sees only its share.
  static const size_t cache_bytes = std::min(last_level_cache_bytes(), size_t{32} << 20);
  return bytes_touched > cache_bytes;
}

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
