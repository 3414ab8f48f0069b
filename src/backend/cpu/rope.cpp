// Rotary position embeddings: x [..., L, D] rotated pairwise by angle (offset + l) * scale *
// inv_freq[i] over the first `dims` features; the rest are copied. The positions are taken in
// blocks: a block's cos/sin table (computed once, by vector sincos) stays in cache while every
// row at those positions (all heads) is rotated by a vector kernel (rope_isa.cpp). x may be any
// view whose last axis is contiguous (e.g. queries transposed from [B, L, H, D]); the output is
// row-major.
#include <algorithm>
#include <vector>

#include "backend/common/strides.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/isa_select.h"
#include "backend/cpu/rope_kernels.h"
#include "backend/cpu/thread_pool.h"
#include "core/primitives/fast.h"

namespace mlx::core {

cpu::RopeKernels cpu::rope_kernels(Dtype dtype) {
  return pick_isa(isa_baseline::rope_kernels, isa_avx2::rope_kernels,
                  isa_avx512::rope_kernels)(dtype);
}

namespace {

constexpr int block_positions = 256;
// Outputs of at least this many bytes bypass the caches: they would not stay there anyway.
constexpr size_t stream_threshold = size_t{16} << 20;

// rotate_rows (rope_kernels.h) for float64, with the float table.
void rotate_double(const void* in_v, int64_t in_stride, void* out_v, int64_t out_stride, int rows,
                   const float* table, int table_stride, int half, int D, bool traditional, bool) {
  const double* in = static_cast<const double*>(in_v);
  double* out = static_cast<double*>(out_v);
  for (int r = 0; r < rows; ++r, in += in_stride, out += out_stride) {
    const float* t = table + static_cast<int64_t>(r) * table_stride;
    for (int i = 0; i < half; ++i) {
      int i1 = traditional ? 2 * i : i;
      int i2 = traditional ? 2 * i + 1 : i + half;
      double c = t[i];
      double s = t[half + i];
      double x1 = in[i1], x2 = in[i2];
      out[i1] = x1 * c - x2 * s;
      out[i2] = x1 * s + x2 * c;
    }
    std::copy(in + 2 * half, in + D, out + 2 * half);
  }
}

} // namespace

void RoPE::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = inputs[0];
  if (x.strides().back() != 1 && x.shape(-1) != 1) {
    array tmp(x.shape(), x.dtype(), nullptr, {});
    cpu::copy_row_major(x, tmp);
    x = tmp;
  }
  const int32_t* offset = inputs[1].data<int32_t>();
  const float* inv_freq = inputs[2].data<float>();
  out.set_data(allocator::malloc(out.nbytes()));
  int D = x.shape(-1);
  int L = x.shape(-2);
  if (x.size() == 0) {
    return;
  }
  int half = dims_ / 2;
  int64_t outer = static_cast<int64_t>(x.size()) / (static_cast<int64_t>(L) * D);
  Shape lead(x.shape().begin(), x.shape().end() - 2);
  Strides lead_strides(x.strides().begin(), x.strides().end() - 2);
  int64_t position_stride = x.strides()[x.ndim() - 2];
  // Rows are visited position by position, all heads of a position together, when that reads
  // the input in order (queries viewed transposed from [B, L, H, D]); else head by head.
  int64_t heads = lead.empty() ? 1 : lead.back();
  int64_t head_stride = lead.empty() ? 0 : lead_strides.back();
  bool heads_inner = heads > 1 && position_stride != D && head_stride == D;
  // With one offset per batch entry the tables differ per entry (axis 0).
  int64_t groups = inputs[1].size() > 1 ? x.shape(0) : 1;
  int64_t outer_per_group = outer / groups;
  int64_t blocks = (L + block_positions - 1) / block_positions;
  // Few position blocks (short sequences): split the rows of a block across threads too.
  int64_t wanted = 4 * cpu::num_threads();
  int64_t chunks =
      std::clamp<int64_t>((wanted + groups * blocks - 1) / (groups * blocks), 1, outer_per_group);
  int64_t per_chunk = (outer_per_group + chunks - 1) / chunks;
  size_t esize = size_of(x.dtype());
  const char* src = x.data<char>();
  char* dst = out.data<char>();
  auto rotate = x.dtype() == float64 ? rotate_double : cpu::rope_kernels(x.dtype()).rotate_rows;
  auto angles = cpu::rope_kernels(float32).angles;
  bool streaming = out.nbytes() >= stream_threshold;
  int table_row = 2 * half;
  cpu::parallel_for(groups * blocks * chunks, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> table(static_cast<size_t>(block_positions) * table_row);
    for (int64_t item = lo; item < hi; ++item) {
      int64_t g = item / (blocks * chunks);
      int p0 = static_cast<int>((item / chunks) % blocks) * block_positions;
      int p1 = std::min(L, p0 + block_positions);
      int64_t o0 = g * outer_per_group + (item % chunks) * per_chunk;
      int64_t o1 = std::min((g + 1) * outer_per_group, o0 + per_chunk);
      for (int p = p0; p < p1; ++p) {
        // The angle in float, as (position * scale) * inv_freq: MLX's arithmetic.
        angles(table.data() + (p - p0) * table_row, static_cast<float>(offset[g] + p), scale_,
               inv_freq, half);
      }
      if (!heads_inner) {
        for (int64_t o = o0; o < o1; ++o) {
          rotate(src + (elem_to_loc(o, lead, lead_strides) + p0 * position_stride) * esize,
                 position_stride, dst + (o * L + p0) * D * esize, D, p1 - p0, table.data(),
                 table_row, half, D, traditional_, streaming);
        }
        continue;
      }
      // Runs of rows that differ only in the innermost leading axis (the heads).
      for (int64_t o = o0; o < o1;) {
        int64_t run = std::min(o1, (o / heads + 1) * heads) - o;
        const char* in = src + elem_to_loc(o, lead, lead_strides) * esize;
        for (int p = p0; p < p1; ++p) {
          rotate(in + p * position_stride * esize, head_stride, dst + (o * L + p) * D * esize,
                 static_cast<int64_t>(L) * D, static_cast<int>(run),
                 table.data() + (p - p0) * table_row, 0, half, D, traditional_, streaming);
        }
        o += run;
      }
    }
  });
}

} // namespace mlx::core
