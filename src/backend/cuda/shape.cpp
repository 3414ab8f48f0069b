// Primitives that only move elements: views run their CPU code (which shares the buffer and
// touches no data); concatenate, slice_update and full are copies into windows of the output.
#include "core/primitives/shape.h"

#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "core/primitives/indexing.h"

namespace mlx::core::cu {

namespace {

// For primitives whose eval_cpu is a view of the input (no element is read or written).
template <typename P>
bool eval_view(P& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  static_cast<Primitive&>(p).eval_cpu(inputs, outputs);
  return true;
}

bool eval_concatenate(Concatenate& p, const std::vector<array>& inputs,
                      std::vector<array>& outputs) {
  auto& out = outputs[0];
  for (const auto& in : inputs) {
    if (in.dtype() != out.dtype() || !copy_supported(in.dtype(), out.dtype())) {
      return false;
    }
  }
  auto stream = cuda_stream(p.stream());
  auto* dst = static_cast<char*>(alloc_out(out, stream));
  int axis = p.axis() < 0 ? p.axis() + static_cast<int>(out.ndim()) : p.axis();
  int64_t start = 0;
  for (const auto& in : inputs) {
    copy_into(in, dst + start * out.strides()[axis] * out.itemsize(), out.dtype(), out.strides(),
              stream);
    start += in.shape(axis);
  }
  return true;
}

bool eval_slice_update(SliceUpdate& p, const std::vector<array>& inputs,
                       std::vector<array>& outputs) {
  const auto& src = inputs[0];
  const auto& update = inputs[1];
  auto& out = outputs[0];
  if (src.dtype() != out.dtype() || update.dtype() != out.dtype() ||
      !copy_supported(out.dtype(), out.dtype())) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  char* dst;
  if (src.is_donatable() && src.flags().row_contiguous && src.byte_offset() == 0 &&
      src.data_size() == src.size()) {
    // Nothing else holds the source (a KV cache being extended): update it in place.
    out.copy_shared_buffer(src);
    dst = static_cast<char*>(out_ptr(out, stream));
  } else {
    dst = static_cast<char*>(alloc_out(out, stream));
    copy_into(src, dst, out.dtype(), out.strides(), stream);
  }
  int64_t offset = 0;
  Strides window(out.ndim());
  for (size_t d = 0; d < out.ndim(); ++d) {
    offset += p.start()[d] * out.strides()[d];
    window[d] = out.strides()[d] * p.strides()[d];
  }
  copy_into(update, dst + offset * out.itemsize(), out.dtype(), window, stream);
  return true;
}

bool eval_full(Full& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  if (!copy_supported(inputs[0].dtype(), out.dtype())) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  void* dst = alloc_out(out, stream);
  copy_into(inputs[0], dst, out.dtype(), out.strides(), stream);
  return true;
}

} // namespace

void register_shape() {
  add_kernel(eval_view<Transpose>);
  add_kernel(eval_view<Broadcast>);
  add_kernel(eval_view<Slice>);
  add_kernel(eval_view<AsStrided>);
  add_kernel(eval_view<Depends>);
  add_kernel(eval_view<Diagonal>);
  add_kernel(eval_concatenate);
  add_kernel(eval_slice_update);
  add_kernel(eval_full);
}

} // namespace mlx::core::cu
