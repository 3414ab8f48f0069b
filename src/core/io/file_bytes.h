// The bytes of a model file, shared by every array that views them.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mlx/array.h"
#include "mlx/io/load.h"

namespace mlx::core::io::detail {

// The formats are little-endian and arrays view file bytes in place.
static_assert(std::endian::native == std::endian::little, "mlxcpp's loaders need little-endian");

class FileBytes {
public:
  // Maps `path` privately (copy-on-write). `op` names the caller in errors.
  static std::shared_ptr<FileBytes> map_file(const std::string& path, const char* op);
  // Reads what remains of a stream into memory.
  static std::shared_ptr<FileBytes> read_stream(Reader& reader, const char* op);
  // Wraps bytes already in memory (fuzzers, tests); `label` names them in errors.
  static std::shared_ptr<FileBytes> from_memory(std::vector<uint8_t> bytes, std::string label);

  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // "file 'path'" (or the stream's label), for error messages.
  const std::string& label() const { return label_; }

  // Hints for a range about to be read once in full (a quantized tensor being unpacked), and for
  // a range whose pages will not be needed again (it has been unpacked into its own memory).
  // Only pages lying wholly inside the range are released, so neighbouring tensors keep theirs.
  void will_read(size_t offset, size_t n) const;
  void done_reading(size_t offset, size_t n) const;

private:
  FileBytes() = default;

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::vector<uint8_t> owned_;
  std::string label_;
};

// An array of `shape` and `dtype` over the bytes at `offset`, which must lie inside `bytes`.
// The array shares the bytes (and keeps them alive) when they are aligned for the dtype; else
// it gets an aligned copy.
array view_bytes(const std::shared_ptr<FileBytes>& bytes, size_t offset, Shape shape, Dtype dtype);

} // namespace mlx::core::io::detail
