// jvp, vjp and vmap rules of the primitives that move elements without computing on them.
// All are linear: the jvp applies the primitive to the tangent, the vjp its transpose.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"

#include "core/primitives/indexing.h"
#include "core/primitives/shape.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

namespace {

// The number of elements a normalized slice reads (see normalize_slice in ops/slicing.cpp).
ShapeElem slice_length(ShapeElem start, ShapeElem stop, ShapeElem stride) {
  if (stride > 0) {
    return stop > start ? (stop - start + stride - 1) / stride : 0;
  }
  return start > stop ? (start - stop - stride - 1) / (-stride) : 0;
}

Shape prepend(ShapeElem v, const Shape& s) {
  Shape out{v};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

} // namespace

// Reshape

std::vector<array> Reshape::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents, const std::vector<int>&,
                                const std::vector<array>&) {
  return {reshape(cotangents[0], primals[0].shape(), stream())};
}

std::vector<array> Reshape::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {reshape(tangents[0], shape_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Reshape::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], 0, stream());
  return {{reshape(x, prepend(x.shape(0), shape_), stream())}, {0}};
}

// Transpose

std::vector<array> Transpose::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  std::vector<int> inverse(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) {
    inverse[axes_[i]] = static_cast<int>(i);
  }
  return {transpose(cotangents[0], inverse, stream())};
}

std::vector<array> Transpose::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {transpose(tangents[0], axes_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Transpose::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], 0, stream());
  std::vector<int> perm{0};
  for (int a : axes_) {
    perm.push_back(a + 1);
  }
  return {{transpose(x, perm, stream())}, {0}};
}

// Broadcast: the vjp sums the cotangent over the axes the broadcast created or stretched.

std::vector<array> Broadcast::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>&) {
  const auto& in = primals[0];
  int extra = static_cast<int>(shape_.size() - in.ndim());
  std::vector<int> axes;
  for (int i = 0; i < static_cast<int>(shape_.size()); ++i) {
    if (i < extra || (in.shape(i - extra) == 1 && shape_[i] != 1)) {
      axes.push_back(i);
    }
  }
  auto summed = axes.empty() ? cotangents[0] : sum(cotangents[0], axes, true, stream());
  return {reshape(summed, in.shape(), stream())};
}

std::vector<array> Broadcast::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Broadcast::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto s = stream();
  auto x = batch_to_front(inputs[0], axes[0], 0, s);
  // Broadcasting aligns trailing axes: new axes go after the batch axis.
  Shape padded = prepend(x.shape(0), Shape(shape_.size() - (x.ndim() - 1), 1));
  padded.insert(padded.end(), x.shape().begin() + 1, x.shape().end());
  return {{broadcast_to(reshape(x, padded, s), prepend(x.shape(0), shape_), s)}, {0}};
}

// Slice

std::vector<array> Slice::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>&,
                              const std::vector<array>&) {
  const auto& in = primals[0];
  auto s = stream();
  return {array(in.shape(), in.dtype(), std::make_shared<SliceUpdate>(s, start_, stop_, strides_),
                {zeros_like(in, s), astype(cotangents[0], in.dtype(), s)})};
}

std::pair<std::vector<array>, std::vector<int>> Slice::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  auto x = batch_to_front(inputs[0], axes[0], 0, stream());
  Shape out_shape{x.shape(0)};
  for (size_t i = 0; i < start_.size(); ++i) {
    out_shape.push_back(slice_length(start_[i], stop_[i], strides_[i]));
  }
  return {{array(out_shape, x.dtype(),
                 std::make_shared<Slice>(stream(), prepend(0, start_), prepend(x.shape(0), stop_),
                                         prepend(1, strides_)),
                 {x})},
          {0}};
}

// Contiguous

std::vector<array> Contiguous::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                   const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}

std::vector<array> Contiguous::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                   const std::vector<int>&) {
  return {tangents[0]};
}

std::pair<std::vector<array>, std::vector<int>> Contiguous::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  return {{contiguous(inputs[0], allow_col_major_, stream())}, {axes[0]}};
}

// Concatenate

std::vector<array> Concatenate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<int> offsets{0};
  for (const auto& p : primals) {
    offsets.push_back(offsets.back() + p.shape(axis_));
  }
  const auto& ct = cotangents[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    Shape start(ct.ndim(), 0);
    Shape stop = ct.shape();
    start[axis_] = offsets[i];
    stop[axis_] = offsets[i + 1];
    vjps.push_back(slice(ct, start, stop, stream()));
  }
  return vjps;
}

std::vector<array> Concatenate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::vector<array> parts;
  for (const auto& p : primals) {
    parts.push_back(zeros_like(p, stream()));
  }
  for (size_t k = 0; k < argnums.size(); ++k) {
    parts[argnums[k]] = tangents[k];
  }
  return {concatenate(parts, axis_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Concatenate::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  int batch = batch_size(inputs, axes);
  std::vector<array> parts;
  for (size_t i = 0; i < inputs.size(); ++i) {
    parts.push_back(batch_to_front(inputs[i], axes[i], batch, stream()));
  }
  return {{concatenate(parts, axis_ + 1, stream())}, {0}};
}

// Pad: input 0 sits in a window of the output; input 1 (the scalar fill) is everywhere else.

std::vector<array> Pad::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                            const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& ct = cotangents[0];
  Shape start(ct.ndim(), 0);
  Shape stop = ct.shape();
  for (size_t k = 0; k < axes_.size(); ++k) {
    start[axes_[k]] = low_pad_size_[k];
    stop[axes_[k]] = low_pad_size_[k] + primals[0].shape(axes_[k]);
  }
  auto window = slice(ct, start, stop, s);
  std::vector<array> vjps;
  for (int i : argnums) {
    vjps.push_back(i == 0 ? window : subtract(sum(ct, false, s), sum(window, false, s), s));
  }
  return vjps;
}

// Depends: outputs are the first inputs; the others are ordering only.

std::vector<array> Depends::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> vjps;
  for (int i : argnums) {
    vjps.push_back(i < static_cast<int>(cotangents.size()) ? cotangents[i]
                                                           : zero_cotangent(primals[i], stream()));
  }
  return vjps;
}

// Full: the value arrives broadcast to the output's shape (its Broadcast node sums).

std::vector<array> Full::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>&,
                             const std::vector<array>&) {
  return {astype(cotangents[0], primals[0].dtype(), stream())};
}

// Diagonal: the same elements picked by a take along the flattened (axis1, axis2) plane, whose
// vjp scatters the cotangent back.
std::vector<array> Diagonal::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  int offset = offset_, axis1 = axis1_, axis2 = axis2_;
  auto fun = [=](const std::vector<array>& in) {
    const auto& x = in[0];
    std::vector<int> perm;
    for (int i = 0; i < static_cast<int>(x.ndim()); ++i) {
      if (i != axis1 && i != axis2) {
        perm.push_back(i);
      }
    }
    perm.push_back(axis1);
    perm.push_back(axis2);
    int n1 = x.shape(axis1), n2 = x.shape(axis2);
    int length =
        std::max(0, std::min(offset >= 0 ? n1 : n1 + offset, offset >= 0 ? n2 - offset : n2));
    Shape plane(perm.size() - 1);
    for (size_t i = 0; i + 2 < perm.size(); ++i) {
      plane[i] = x.shape(perm[i]);
    }
    plane.back() = n1 * n2;
    auto flat = reshape(transpose(x, perm, s), plane, s);
    auto i = arange(0, length, s);
    auto row = offset >= 0 ? i : add(i, array(-offset), s);
    auto col = offset >= 0 ? add(i, array(offset), s) : i;
    return take(flat, add(multiply(row, array(n2), s), col, s), -1, s);
  };
  return vjp_of_composition(fun, primals, cotangents[0], argnums);
}

// AsStrided reads a row-contiguous input at offset + sum(index * stride): the cotangent is
// scatter-added back to those positions (overlapping windows accumulate).
std::vector<array> AsStrided::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>&) {
  auto s = stream();
  const auto& in = primals[0];
  auto position = array(static_cast<int64_t>(offset_), int64);
  for (size_t k = 0; k < shape_.size(); ++k) {
    Shape along(shape_.size(), 1);
    along[k] = shape_[k];
    auto steps = reshape(astype(arange(0, shape_[k], s), int64, s), along, s);
    position = add(position, multiply(steps, array(strides_[k], int64), s), s);
  }
  position = flatten(broadcast_to(position, shape_, s), s);
  auto ct = reshape(cotangents[0], {-1, 1}, s);
  auto flat = zeros({static_cast<ShapeElem>(in.size())}, in.dtype(), s);
  return {reshape(scatter_add(flat, {position}, ct, {0}, s), in.shape(), s)};
}

} // namespace mlx::core
