// where(condition, x, y).
#include "backend/cpu/elementwise.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/elementwise.h"

namespace mlx::core {

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& cond = inputs[0];
  const auto& x = inputs[1];
  const auto& y = inputs[2];
  // The condition is bool (1 byte); it may be donated only when the output is 1 byte too,
  // which prepare_elementwise_output checks.
  auto layout = cpu::prepare_elementwise_output(inputs, out);
  const bool* c = cond.data<bool>();
  if (out.size() == 0) {
    return;
  }
  dispatch_all_types(out.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* dst = out.data<T>();
    if (layout == cpu::ElementwiseLayout::Scalar) {
      dst[0] = c[0] ? px[0] : py[0];
      return;
    }
    if (layout == cpu::ElementwiseLayout::Flat) {
      int64_t sc = cond.data_size() == 1 ? 0 : 1;
      int64_t sx = x.data_size() == 1 ? 0 : 1;
      int64_t sy = y.data_size() == 1 ? 0 : 1;
      bool stream = cpu::prefer_streaming_stores(cpu::bytes_touched(inputs, out));
      cpu::flat_apply<T, T>(dst, out.data_size(), stream, [=](int64_t b, int64_t m, T* r) {
        for (int64_t k = 0; k < m; ++k) {
          int64_t i = b + k;
          r[k] = c[i * sc] ? px[i * sx] : py[i * sy];
        }
      });
      return;
    }
    auto [shape, strides] = collapse_contiguous_dims(
        out.shape(), {cond.strides(), x.strides(), y.strides(), out.strides()});
    int64_t rows = row_count(shape);
    cpu::parallel_for(rows, std::max<int64_t>(1, cpu::elementwise_grain / shape.back()),
                      [&](int64_t lo, int64_t hi) {
                        for_each_row<4>(shape, {&strides[0], &strides[1], &strides[2], &strides[3]},
                                        lo, hi, [&](const auto& off, int64_t n, const auto& st) {
                                          for (int64_t i = 0; i < n; ++i) {
                                            dst[off[3] + i * st[3]] = c[off[0] + i * st[0]]
                                                                          ? px[off[1] + i * st[1]]
                                                                          : py[off[2] + i * st[2]];
                                          }
                                        });
                      });
  });
}

} // namespace mlx::core
