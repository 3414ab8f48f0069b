// MaskedScatter: the k-th true position of the mask (row-major) takes source element k. Blocks
// of the array count their true positions in parallel; a prefix sum then gives each block the
// first source element it uses.
#include <numeric>

#include "backend/cpu/copy.h"
#include "backend/cpu/indices.h"
#include "backend/cpu/thread_pool.h"
#include "core/primitives/indexing.h"

namespace mlx::core {

namespace {

constexpr int64_t masked_scatter_block = 1 << 16;

template <typename T>
void masked_scatter(const array& mask, const array& src, array& out) {
  auto [shape, strides] = collapse_contiguous_dims(out.shape(), {mask.strides(), out.strides()});
  int64_t row = shape.back();
  int64_t rows = row_count(shape);
  int64_t block_rows = std::max<int64_t>(1, masked_scatter_block / row);
  int64_t blocks = (rows + block_rows - 1) / block_rows;
  const bool* mask_ptr = mask.data<bool>();
  T* out_ptr = out.data<T>();

  std::vector<int64_t> first(blocks + 1, 0);
  cpu::parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; ++blk) {
      int64_t count = 0;
      for_each_row<1>(shape, {&strides[0]}, blk * block_rows,
                      std::min(rows, (blk + 1) * block_rows),
                      [&](const auto& off, int64_t n, const auto& st) {
                        for (int64_t k = 0; k < n; ++k) {
                          count += mask_ptr[off[0] + k * st[0]];
                        }
                      });
      first[blk + 1] = count;
    }
  });
  std::partial_sum(first.begin(), first.end(), first.begin());

  const T* src_ptr = src.data<T>();
  int64_t src_size = static_cast<int64_t>(src.size());
  bool src_dense = src.flags().row_contiguous;
  cpu::parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; ++blk) {
      int64_t next = first[blk];
      for_each_row<2>(
          shape, {&strides[0], &strides[1]}, blk * block_rows,
          std::min(rows, (blk + 1) * block_rows), [&](const auto& off, int64_t n, const auto& st) {
            for (int64_t k = 0; k < n && next < src_size; ++k) {
              if (mask_ptr[off[0] + k * st[0]]) {
                int64_t s = src_dense ? next : elem_to_loc(next, src.shape(), src.strides());
                out_ptr[off[1] + k * st[1]] = src_ptr[s];
                ++next;
              }
            }
          });
    }
  });
}

} // namespace

void MaskedScatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::copy_to_dense_output(inputs[0], out);
  if (out.size() == 0 || inputs[2].size() == 0) {
    return;
  }
  cpu::dispatch_by_size(out.itemsize(), [&](auto tag) {
    masked_scatter<tag_type_t<decltype(tag)>>(inputs[1], inputs[2], out);
  });
}

} // namespace mlx::core
