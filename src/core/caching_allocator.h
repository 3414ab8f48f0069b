// The allocator interface the engine uses internally: an MLX allocator plus the statistics and
// limits behind mlx/memory.h. The CPU's caching allocator implements it; so does the CUDA
// backend's, whose buffers live on the device and get host copies when the CPU reads them.
#pragma once

#include <cstddef>

#include "mlx/allocator.h"

namespace mlx::core {

class CachingAllocator : public allocator::Allocator {
public:
  // A host address for reading only: the GPU backend then keeps its device copy valid.
  virtual const void* raw_ptr_for_read(allocator::Buffer buffer) { return raw_ptr(buffer); }

  virtual size_t active() = 0;
  virtual size_t peak() = 0;
  virtual void reset_peak() = 0;
  virtual size_t cache_bytes() = 0;
  virtual size_t set_memory_limit(size_t limit) = 0;
  virtual size_t memory_limit() = 0;
  virtual size_t set_cache_limit(size_t limit) = 0;
  virtual void clear_cache() = 0;
};

// The CPU's caching allocator (the GPU backend takes its host copies from it).
CachingAllocator& host_allocator();

// The allocator new arrays use: the GPU backend's when a GPU is usable, else the CPU's.
CachingAllocator& active_allocator();

} // namespace mlx::core
