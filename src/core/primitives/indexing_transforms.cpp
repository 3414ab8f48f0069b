// vjp rules of gathers, scatters and slice updates: a gather's transpose is a scatter-add of
// the cotangent, a scatter's is a gather. Index inputs get zero cotangents.
#include "mlx/ops.h"

#include "core/primitives/indexing.h"
#include "core/primitives/shape.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

namespace {
std::vector<array> index_inputs(const std::vector<array>& primals, size_t first, size_t last) {
  return {primals.begin() + first, primals.begin() + last};
}
} // namespace

std::vector<array> Gather::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& a = primals[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i != 0) {
      vjps.push_back(zero_cotangent(primals[i], s));
      continue;
    }
    std::vector<array> inputs{zeros_like(a, s)};
    auto idx = index_inputs(primals, 1, primals.size());
    inputs.insert(inputs.end(), idx.begin(), idx.end());
    inputs.push_back(cotangents[0]);
    vjps.push_back(array(a.shape(), a.dtype(), std::make_shared<Scatter>(s, Scatter::Sum, axes_),
                         std::move(inputs)));
  }
  return vjps;
}

std::vector<array> GatherAxis::vjp(const std::vector<array>& primals,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& a = primals[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i != 0) {
      vjps.push_back(zero_cotangent(primals[i], s));
      continue;
    }
    vjps.push_back(array(a.shape(), a.dtype(),
                         std::make_shared<ScatterAxis>(s, ScatterAxis::Sum, axis_),
                         {zeros_like(a, s), primals[1], cotangents[0]}));
  }
  return vjps;
}

std::vector<array> Scatter::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  if (reduce_type_ != None && reduce_type_ != Sum) {
    throw std::invalid_argument(std::string("[") + name() +
                                "] vjp is only implemented for scatter and scatter_add.");
  }
  auto s = stream();
  const auto& ct = cotangents[0];
  size_t n = primals.size();
  const auto& updates = primals[n - 1];
  auto idx = index_inputs(primals, 1, n - 1);
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      if (reduce_type_ == Sum) {
        vjps.push_back(ct);
      } else {
        // Overwritten positions take no gradient back to a.
        std::vector<array> inputs{ct};
        inputs.insert(inputs.end(), idx.begin(), idx.end());
        inputs.push_back(zeros_like(updates, s));
        vjps.push_back(array(ct.shape(), ct.dtype(), std::make_shared<Scatter>(s, None, axes_),
                             std::move(inputs)));
      }
    } else if (i == static_cast<int>(n - 1)) {
      size_t idx_ndim = idx.empty() ? 0 : idx[0].ndim();
      Shape slice_sizes(updates.shape().begin() + idx_ndim, updates.shape().end());
      std::vector<array> inputs{ct};
      inputs.insert(inputs.end(), idx.begin(), idx.end());
      vjps.push_back(array(updates.shape(), ct.dtype(),
                           std::make_shared<Gather>(s, axes_, slice_sizes), std::move(inputs)));
    } else {
      vjps.push_back(zero_cotangent(primals[i], s));
    }
  }
  return vjps;
}

std::vector<array> ScatterAxis::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& ct = cotangents[0];
  const auto& indices = primals[1];
  const auto& updates = primals[2];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(reduce_type_ == Sum ? ct
                                         : array(ct.shape(), ct.dtype(),
                                                 std::make_shared<ScatterAxis>(s, None, axis_),
                                                 {ct, indices, zeros_like(updates, s)}));
    } else if (i == 2) {
      vjps.push_back(array(updates.shape(), ct.dtype(), std::make_shared<GatherAxis>(s, axis_),
                           {ct, indices}));
    } else {
      vjps.push_back(zero_cotangent(primals[i], s));
    }
  }
  return vjps;
}

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& ct = cotangents[0];
  const auto& update = primals[1];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(array(ct.shape(), ct.dtype(),
                           std::make_shared<SliceUpdate>(s, start_, stop_, strides_),
                           {ct, zeros_like(update, s)}));
    } else {
      vjps.push_back(array(update.shape(), ct.dtype(),
                           std::make_shared<Slice>(s, start_, stop_, strides_), {ct}));
    }
  }
  return vjps;
}

// Dynamic slices: both primitives clamp the start the same way (dynamic_offset), so the
// update writes back exactly the window the slice read.

std::vector<array> DynamicSlice::vjp(const std::vector<array>& primals,
                                     const std::vector<array>& cotangents,
                                     const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& src = primals[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(array(src.shape(), src.dtype(), std::make_shared<DynamicSliceUpdate>(s, axes_),
                           {zeros_like(src, s), cotangents[0], primals[1]}));
    } else {
      vjps.push_back(zero_cotangent(primals[i], s));
    }
  }
  return vjps;
}

std::vector<array> DynamicSliceUpdate::vjp(const std::vector<array>& primals,
                                           const std::vector<array>& cotangents,
                                           const std::vector<int>& argnums,
                                           const std::vector<array>&) {
  auto s = stream();
  const auto& ct = cotangents[0];
  const auto& update = primals[1];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(array(ct.shape(), ct.dtype(), std::make_shared<DynamicSliceUpdate>(s, axes_),
                           {ct, zeros_like(update, s), primals[2]}));
    } else if (i == 1) {
      vjps.push_back(array(update.shape(), ct.dtype(),
                           std::make_shared<DynamicSlice>(s, axes_, update.shape()),
                           {ct, primals[2]}));
    } else {
      vjps.push_back(zero_cotangent(primals[i], s));
    }
  }
  return vjps;
}

// MaskedScatter: the k-th true mask position (row-major) took source element k when k is inside
// the source; those positions send their cotangent to the source, the others to `a`.
std::vector<array> MaskedScatter::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& src = primals[2];
  auto length = static_cast<int>(src.size());
  auto mask = flatten(primals[1], s);
  auto k = subtract(cumsum(astype(mask, int32, s), 0, false, true, s), array(1), s);
  auto used = logical_and(mask, less(k, array(length), s), s);
  auto ct = flatten(cotangents[0], s);
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(reshape(where(used, zeros_like(ct, s), ct, s), primals[0].shape(), s));
    } else if (i == 2) {
      // Positions without a source element add zeros (at index 0), which keeps the rule
      // linear in the cotangent with a well-defined transpose.
      auto target = where(used, k, array(0), s);
      auto taken = where(used, ct, zeros_like(ct, s), s);
      auto flat =
          scatter_add(zeros({length}, ct.dtype(), s), {target}, reshape(taken, {-1, 1}, s), {0}, s);
      vjps.push_back(reshape(flat, src.shape(), s));
    } else {
      vjps.push_back(zero_cotangent(primals[i], s));
    }
  }
  return vjps;
}

} // namespace mlx::core
