// Scatter and ScatterAxis: a copy of the input with update slices combined in at positions
// read from index arrays. Updates are applied in index order, so with duplicate indices the last
// assignment wins and reductions see every update, whatever the threading.
#include <functional>

#include "backend/cpu/copy.h"
#include "backend/cpu/indices.h"
#include "backend/cpu/thread_pool.h"
#include "core/primitives/indexing.h"

namespace mlx::core {

namespace {

// Below this many element updates a scatter runs on one thread.
constexpr int64_t scatter_parallel_min = 1 << 16;
// Update slices at least this large are each spread over the threads.
constexpr int64_t scatter_large_slice = 1 << 14;

// Integer arithmetic wraps (done in unsigned types, wide enough to avoid int promotion).
template <typename T>
using wrap_t =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
T add_values(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a || b;
  } else if constexpr (is_half_v<T>) {
    return T(static_cast<float>(a) + static_cast<float>(b));
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
  } else {
    return a + b;
  }
}

template <typename T>
T multiply_values(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a && b;
  } else if constexpr (is_half_v<T>) {
    return T(static_cast<float>(a) * static_cast<float>(b));
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
  } else {
    return a * b;
  }
}

// The combining rules, as MLX's CPU backend (max/min keep the update when the comparison
// fails, so a NaN update or target yields the update).
struct AssignOp {
  template <typename T>
  void operator()(T& y, T x) const {
    y = x;
  }
};
struct SumOp {
  template <typename T>
  void operator()(T& y, T x) const {
    y = add_values(y, x);
  }
};
struct ProdOp {
  template <typename T>
  void operator()(T& y, T x) const {
    y = multiply_values(y, x);
  }
};
struct MaxOp {
  template <typename T>
  void operator()(T& y, T x) const {
    y = static_cast<accumulator_t<T>>(y) > static_cast<accumulator_t<T>>(x) ? y : x;
  }
};
struct MinOp {
  template <typename T>
  void operator()(T& y, T x) const {
    y = static_cast<accumulator_t<T>>(y) < static_cast<accumulator_t<T>>(x) ? y : x;
  }
};

// Writes where updates [begin, end) land in `out` (element offsets; -1 for a dropped update).
using Locator = std::function<void(int64_t begin, int64_t end, int64_t* bases)>;

template <typename IdxT>
Locator make_locator(const std::vector<array>& inds, const array& out, const std::vector<int>& axes,
                     const Shape& slice_shape) {
  std::vector<cpu::IndexReader<IdxT>> readers(inds.begin(), inds.end());
  std::vector<int64_t> ax_size, ax_extent, ax_stride;
  for (int ax : axes) {
    ax_size.push_back(out.shape(ax));
    ax_extent.push_back(slice_shape[ax]);
    ax_stride.push_back(out.strides()[ax]);
  }
  return [=](int64_t begin, int64_t end, int64_t* bases) {
    for (int64_t i = begin; i < end; ++i) {
      int64_t base = 0;
      for (size_t j = 0; j < readers.size() && base >= 0; ++j) {
        int64_t v;
        base = cpu::scatter_index(readers[j](i), ax_size[j], ax_extent[j], v)
                   ? base + v * ax_stride[j]
                   : -1;
      }
      bases[i - begin] = base;
    }
  };
}

struct ScatterLayout {
  Shape index_shape; // leading axes of the updates
  Strides index_strides;
  Shape slice_shape; // collapsed slice, with its strides in the updates and in out
  std::vector<Strides> slice_strides;
  int64_t slice_rows;
  int64_t slice_size;
};

// Updates are located in blocks of this many, so no per-update buffer is needed.
constexpr int64_t locate_block = 1 << 12;

template <typename T, typename Op>
void apply_updates(const array& upd, array& out, const Locator& locate, int64_t n_updates,
                   const ScatterLayout& l, Op op) {
  const T* upd_ptr = upd.data<T>();
  T* out_ptr = out.data<T>();
  bool upd_dense = upd.flags().row_contiguous;
  auto update_offset = [&](int64_t i) {
    return upd_dense ? i * l.slice_size : elem_to_loc(i, l.index_shape, l.index_strides);
  };
  // Rows [rb, re) of update i's slice (landing at `base`), touching only out offsets in
  // [lo, hi).
  auto apply_slice = [&](int64_t i, int64_t base, int64_t rb, int64_t re, int64_t lo, int64_t hi) {
    int64_t ub = update_offset(i);
    for_each_row<2>(l.slice_shape, {&l.slice_strides[0], &l.slice_strides[1]}, rb, re,
                    [&](const auto& off, int64_t n, const auto& st) {
                      const T* u = upd_ptr + ub + off[0];
                      int64_t o = base + off[1];
                      for (int64_t k = 0; k < n; ++k, o += st[1]) {
                        if (o >= lo && o < hi) {
                          op(out_ptr[o], u[k * st[0]]);
                        }
                      }
                    });
  };
  // Every update, in order, restricted to out offsets [lo, hi).
  auto apply_range = [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> bases(std::min(n_updates, locate_block));
    for (int64_t b = 0; b < n_updates; b += locate_block) {
      int64_t e = std::min(n_updates, b + locate_block);
      locate(b, e, bases.data());
      for (int64_t i = b; i < e; ++i) {
        int64_t base = bases[i - b];
        if (base < 0) {
          continue;
        }
        if (l.slice_size == 1) {
          if (base >= lo && base < hi) {
            op(out_ptr[base], upd_ptr[update_offset(i)]);
          }
        } else {
          apply_slice(i, base, 0, l.slice_rows, lo, hi);
        }
      }
    }
  };
  int64_t all = static_cast<int64_t>(out.data_size());
  if (n_updates * l.slice_size < scatter_parallel_min || cpu::num_threads() == 1) {
    apply_range(0, all);
  } else if (l.slice_size >= scatter_large_slice) {
    // One slice at a time; a slice never touches an element twice, so its rows split freely.
    int64_t row = l.slice_shape.back();
    for (int64_t i = 0; i < n_updates; ++i) {
      int64_t base;
      locate(i, i + 1, &base);
      if (base >= 0) {
        cpu::parallel_for(l.slice_rows, std::max<int64_t>(1, scatter_large_slice / row),
                          [&](int64_t rb, int64_t re) { apply_slice(i, base, rb, re, 0, all); });
      }
    }
  } else {
    // Many small slices: each thread owns a range of out and applies, in order, the parts of
    // every update that fall in it.
    cpu::parallel_for(all, 1 << 12, apply_range);
  }
}

template <typename F>
void dispatch_reduce(Scatter::ReduceType type, Dtype dtype, F&& f) {
  switch (type) {
  case Scatter::None:
    return cpu::dispatch_by_size(size_of(dtype), [&](auto tag) { f(tag, AssignOp{}); });
  case Scatter::Sum:
    return dispatch_all_types(dtype, [&](auto tag) { f(tag, SumOp{}); });
  case Scatter::Prod:
    return dispatch_all_types(dtype, [&](auto tag) { f(tag, ProdOp{}); });
  case Scatter::Max:
    return dispatch_all_types(dtype, [&](auto tag) { f(tag, MaxOp{}); });
  case Scatter::Min:
    return dispatch_all_types(dtype, [&](auto tag) { f(tag, MinOp{}); });
  }
}

template <typename T, typename IdxT, typename Op>
void scatter_axis(const array& idx, const array& upd, array& out, int axis, Op op) {
  // Move the axis last: each row of the iteration is then one column along the axis, whose
  // writes stay inside that column, so rows split across threads freely.
  auto move_last = [axis](auto v) {
    auto x = v[axis];
    v.erase(v.begin() + axis);
    v.push_back(x);
    return v;
  };
  Shape shape = move_last(idx.shape());
  Strides idx_strides = move_last(idx.strides());
  Strides upd_strides = move_last(upd.strides());
  Strides out_strides = move_last(out.strides());
  int64_t ax_stride = out_strides.back();
  int64_t ax_size = out.shape(axis);
  out_strides.back() = 0;
  const IdxT* idx_ptr = idx.data<IdxT>();
  const T* upd_ptr = upd.data<T>();
  T* out_ptr = out.data<T>();
  int64_t row = shape.back();
  cpu::parallel_for(
      row_count(shape), std::max<int64_t>(1, scatter_parallel_min / std::max<int64_t>(row, 1)),
      [&](int64_t b, int64_t e) {
        for_each_row<3>(shape, {&idx_strides, &upd_strides, &out_strides}, b, e,
                        [&](const auto& off, int64_t n, const auto& st) {
                          for (int64_t k = 0; k < n; ++k) {
                            int64_t v;
                            if (cpu::scatter_index(cpu::index_value(idx_ptr[off[0] + k * st[0]]),
                                                   ax_size, 1, v)) {
                              op(out_ptr[off[2] + v * ax_stride], upd_ptr[off[1] + k * st[1]]);
                            }
                          }
                        });
      });
}

} // namespace

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& src = inputs[0];
  std::vector<array> inds(inputs.begin() + 1, inputs.end() - 1);
  const auto& upd = inputs.back();
  cpu::copy_to_dense_output(src, out);
  if (out.size() == 0) {
    return;
  }
  int idx_ndim = static_cast<int>(upd.ndim() - out.ndim());
  ScatterLayout l;
  l.index_shape.assign(upd.shape().begin(), upd.shape().begin() + idx_ndim);
  l.index_strides.assign(upd.strides().begin(), upd.strides().begin() + idx_ndim);
  Shape slice_shape(upd.shape().begin() + idx_ndim, upd.shape().end());
  Strides upd_slice_strides(upd.strides().begin() + idx_ndim, upd.strides().end());
  int64_t n_updates = 1;
  for (auto d : l.index_shape) {
    n_updates *= d;
  }
  l.slice_size = 1;
  for (auto d : slice_shape) {
    l.slice_size *= d;
  }
  if (n_updates == 0 || l.slice_size == 0) {
    return;
  }
  std::tie(l.slice_shape, l.slice_strides) =
      collapse_contiguous_dims(slice_shape, {upd_slice_strides, out.strides()});
  l.slice_rows = row_count(l.slice_shape);
  Locator locate = [](int64_t begin, int64_t end, int64_t* bases) {
    std::fill(bases, bases + (end - begin), 0); // no index arrays: the update sits at the origin
  };
  if (!inds.empty()) {
    dispatch_int_types(inds[0].dtype(), "[Scatter]", [&](auto idx_tag) {
      locate = make_locator<tag_type_t<decltype(idx_tag)>>(inds, out, axes_, slice_shape);
    });
  }
  dispatch_reduce(reduce_type_, out.dtype(), [&](auto tag, auto op) {
    apply_updates<tag_type_t<decltype(tag)>>(upd, out, locate, n_updates, l, op);
  });
}

void ScatterAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& idx = inputs[1];
  const auto& upd = inputs[2];
  cpu::copy_to_dense_output(inputs[0], out);
  if (idx.size() == 0 || out.size() == 0) {
    return;
  }
  auto type = reduce_type_ == Sum ? Scatter::Sum : Scatter::None;
  dispatch_int_types(idx.dtype(), "[ScatterAxis]", [&](auto idx_tag) {
    dispatch_reduce(type, out.dtype(), [&](auto tag, auto op) {
      scatter_axis<tag_type_t<decltype(tag)>, tag_type_t<decltype(idx_tag)>>(idx, upd, out, axis_,
                                                                             op);
    });
  });
}

} // namespace mlx::core
