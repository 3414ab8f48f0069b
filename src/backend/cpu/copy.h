// Copies between arrays of any layout and dtype: the workhorse behind astype, copy,
// contiguous, concatenate, pad and the general paths of many kernels.
#pragma once

#include "mlx/array.h"

namespace mlx::core::cpu {

// Copies `src` into `dst`, which has the same shape and already has data, converting the
// dtype. Either side may be any strided view; dst_offset (in elements) shifts the destination.
void copy_into(const array& src, array& dst, const Strides& dst_strides, int64_t dst_offset = 0);
inline void copy_into(const array& src, array& dst) {
  copy_into(src, dst, dst.strides());
}

// Gives `out` data holding `in` converted to out's dtype. A contiguous input keeps its layout
// (and its buffer is reused when donatable and the element size matches); otherwise the
// output is row-major.
void copy_to_output(const array& in, array& out);

// Like copy_to_output, but `out` always has one element per position (a broadcast input is
// expanded), so kernels can then update it element by element.
void copy_to_dense_output(const array& in, array& out);

// Allocates `out` as row-major and fills it from `in` in row-major order; out may have a
// different shape of the same size.
void copy_row_major(const array& in, array& out);

} // namespace mlx::core::cpu
