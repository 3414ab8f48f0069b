// Buffers and the allocator interface, as MLX's mlx/allocator.h.
#pragma once

#include <cstddef>

namespace mlx::core::allocator {

// A block of memory owned by an allocator. `ptr()` is the allocator's handle; `raw_ptr()` is an
// address the CPU can read and write.
class Buffer {
public:
  explicit Buffer(void* ptr) : ptr_(ptr) {}

  void* raw_ptr();
  const void* ptr() const { return ptr_; }
  void* ptr() { return ptr_; }

private:
  void* ptr_;
};

// Allocates from the default device's allocator (the CPU's caching allocator). Throws
// std::runtime_error when the memory limit is exceeded and no cached memory can be freed.
Buffer malloc(size_t size);

void free(Buffer buffer);

class Allocator {
public:
  virtual Buffer malloc(size_t size) = 0;
  virtual void free(Buffer buffer) = 0;
  virtual size_t size(Buffer buffer) const = 0;
  virtual void* raw_ptr(Buffer buffer) { return buffer.ptr(); }

  Allocator() = default;
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;
  virtual ~Allocator() = default;
};

Allocator& allocator();

} // namespace mlx::core::allocator
