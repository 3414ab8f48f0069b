#include "core/io/gguf_decode.h"

#include <atomic>

#include "backend/cpu/thread_pool.h"
#include "core/io/errors.h"
#include "core/io/gguf_quants.h"

namespace mlx::core::io::detail {

namespace {

// Blocks per parallel task: enough to amortize scheduling, few enough to spread a tensor.
constexpr int64_t grain_blocks = 512;

} // namespace

std::vector<array> gguf_affine_triple(const std::shared_ptr<FileBytes>& bytes,
                                      const GgufTensorInfo& tensor, Stream stream) {
  int bits = affine_bits(tensor.type->type);
  // The parser guarantees at least one dimension, a multiple of the group size.
  Shape weight_shape = tensor.shape;
  Shape group_shape = tensor.shape;
  weight_shape.back() = tensor.shape.back() / gguf_group_size * bits;
  group_shape.back() = tensor.shape.back() / gguf_group_size;
  return array::make_arrays({weight_shape, group_shape, group_shape}, {uint32, float16, float16},
                            std::make_shared<GgufDecode>(stream, bytes, tensor), {});
}

array gguf_dequantized(const std::shared_ptr<FileBytes>& bytes, const GgufTensorInfo& tensor,
                       Stream stream) {
  return array(tensor.shape, float32, std::make_shared<GgufDecode>(stream, bytes, tensor), {});
}

void GgufDecode::eval_cpu(const std::vector<array>&, std::vector<array>& outputs) {
  bytes_->will_read(tensor_.offset, tensor_.nbytes);
  if (outputs.size() == 3) {
    unpack_affine(outputs);
  } else {
    dequantize(outputs[0]);
  }
  bytes_->done_reading(tensor_.offset, tensor_.nbytes);
}

void GgufDecode::unpack_affine(std::vector<array>& outputs) const {
  for (auto& out : outputs) {
    out.set_data(allocator::malloc(out.nbytes()));
  }
  auto type = tensor_.type->type;
  int bits = affine_bits(type);
  const uint8_t* blocks = bytes_->data() + tensor_.offset;
  auto* words = outputs[0].data<uint32_t>();
  auto* scales = outputs[1].data<float16_t>();
  auto* biases = outputs[2].data<float16_t>();
  auto n_blocks = static_cast<int64_t>(outputs[1].size());
  std::atomic<int64_t> first_overflow{n_blocks};
  cpu::parallel_for(n_blocks, grain_blocks, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      if (!unpack_block(type, blocks + b * tensor_.type->type_size, words + b * bits, scales[b],
                        biases[b])) {
        int64_t seen = first_overflow.load();
        while (b < seen && !first_overflow.compare_exchange_weak(seen, b)) {
        }
      }
    }
  });
  if (auto b = first_overflow.load(); b < n_blocks) {
    format_error("load_gguf", bytes_->label(), "tensor '", printable(tensor_.name), "' (",
                 tensor_.type->name, ") block ", b, " has scale ", static_cast<float>(scales[b]),
                 ", whose bias overflows float16: it has no exact MLX quantized form");
  }
}

void GgufDecode::dequantize(array& out) const {
  out.set_data(allocator::malloc(out.nbytes()));
  auto type = tensor_.type->type;
  const uint8_t* blocks = bytes_->data() + tensor_.offset;
  auto* y = out.data<float>();
  auto block_size = static_cast<int64_t>(tensor_.type->block_size);
  auto n_blocks = static_cast<int64_t>(out.size()) / block_size;
  cpu::parallel_for(n_blocks, grain_blocks / 8, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      dequantize_block(type, blocks + b * tensor_.type->type_size, y + b * block_size);
    }
  });
}

} // namespace mlx::core::io::detail
