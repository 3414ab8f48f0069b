// Lazy unpacking of quantized GGUF tensors: the arrays load_gguf returns for them are the
// outputs of a GgufDecode primitive, which reads the mapped blocks only when evaluated.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mlx/primitives.h"

#include "core/io/file_bytes.h"
#include "core/io/gguf_format.h"

namespace mlx::core::io::detail {

// A quantized tensor with an exact affine form, as {weight, scales, biases}.
std::vector<array> gguf_affine_triple(const std::shared_ptr<FileBytes>& bytes,
                                      const GgufTensorInfo& tensor, Stream stream);

// A K-quant tensor, dequantized to float32.
array gguf_dequantized(const std::shared_ptr<FileBytes>& bytes, const GgufTensorInfo& tensor,
                       Stream stream);

// Holds the file's bytes (not an input array) until it runs; evaluation detaches it.
class GgufDecode : public Primitive {
public:
  GgufDecode(Stream stream, std::shared_ptr<FileBytes> bytes, GgufTensorInfo tensor)
      : Primitive(stream), bytes_(std::move(bytes)), tensor_(std::move(tensor)) {}

  // Always built on a CPU stream: it reads host memory (the file's mapping).
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "GgufDecode"; }

private:
  void unpack_affine(std::vector<array>& outputs) const;
  void dequantize(array& out) const;

  std::shared_ptr<FileBytes> bytes_;
  GgufTensorInfo tensor_;
};

} // namespace mlx::core::io::detail
