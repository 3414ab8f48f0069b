// GPU-capable buffers. A buffer has up to two copies: device memory from the CUDA stream-ordered
// pool (cudaMallocAsync), and host memory from the CPU's caching allocator. Each side is made
// when first needed and refreshed from the other only when that one was written last, so a GPU
// program never copies to the host unless the CPU reads, and weights loaded on the CPU go to
// the device once. No managed memory: the copies are explicit.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "mlx/backend/cuda/cuda.h"

#include "backend/cuda/backend.h"
#include "core/backend_registry.h"
#include "core/caching_allocator.h"

namespace mlx::core {

namespace {

struct DeviceBuffer {
  size_t size = 0;
  void* device = nullptr;
  void* host = nullptr;
  bool owns_host = true;
  bool device_valid = false;
  bool host_valid = false;
  // The stream that last wrote the device copy, and the last one to touch it at all: later
  // users on other streams wait for the writer; the memory is freed in the last one's order.
  cudaStream_t writer = nullptr;
  cudaStream_t last_user = nullptr;
  bool many_streams = false;
};

DeviceBuffer* handle(allocator::Buffer b) {
  return static_cast<DeviceBuffer*>(b.ptr());
}

class CudaAllocator : public CachingAllocator {
public:
  CudaAllocator() {
    cu::check(cudaDeviceGetDefaultMemPool(&pool_, 0), "cudaDeviceGetDefaultMemPool");
    // Freed blocks stay in the pool (our cache) until clear_cache or the cache limit.
    uint64_t keep = UINT64_MAX;
    cu::check(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep),
              "cudaMemPoolSetAttribute");
    size_t free_bytes = 0, total = 0;
    cu::check(cudaMemGetInfo(&free_bytes, &total), "cudaMemGetInfo");
    memory_limit_ = total;
    cache_limit_ = total;
  }

  allocator::Buffer malloc(size_t size) override {
    auto buffer = std::make_unique<DeviceBuffer>();
    buffer->size = size;
    return allocator::Buffer(buffer.release());
  }

  void free(allocator::Buffer b) override {
    std::unique_ptr<DeviceBuffer> buffer(handle(b));
    if (!buffer) {
      return;
    }
    std::lock_guard lock(mutex_);
    if (buffer->device != nullptr) {
      if (buffer->many_streams) {
        // Users on several streams: wait for all of them before the memory can be reused.
        cudaDeviceSynchronize();
      }
      // Errors are ignored: at exit the runtime may already be gone, freeing the memory anyway.
      cudaFreeAsync(buffer->device, buffer->last_user);
      active_ -= buffer->size;
    }
    if (buffer->host != nullptr && buffer->owns_host) {
      host_allocator().free(allocator::Buffer(buffer->host));
      host_active_ -= buffer->size;
    }
  }

  size_t size(allocator::Buffer b) const override { return handle(b) ? handle(b)->size : 0; }

  void* raw_ptr(allocator::Buffer b) override {
    std::lock_guard lock(mutex_);
    auto* buffer = handle(b);
    make_host_current(*buffer);
    buffer->device_valid = false; // the caller may write
    return buffer->host;
  }

  const void* raw_ptr_for_read(allocator::Buffer b) override {
    std::lock_guard lock(mutex_);
    auto* buffer = handle(b);
    make_host_current(*buffer);
    return buffer->host;
  }

  allocator::Buffer wrap(void* host, size_t size) {
    auto buffer = std::make_unique<DeviceBuffer>();
    buffer->size = size;
    buffer->host = host;
    buffer->owns_host = false;
    buffer->host_valid = true;
    return allocator::Buffer(buffer.release());
  }

  const void* device_for_read(allocator::Buffer b, cudaStream_t stream) {
    std::lock_guard lock(mutex_);
    auto* buffer = handle(b);
    ensure_device(*buffer, stream);
    if (!buffer->device_valid && buffer->host_valid) {
      // Pageable host memory: the call returns once the source is staged, so the host copy may
      // be changed or freed right after.
      cu::check(cudaMemcpyAsync(buffer->device, buffer->host, buffer->size, cudaMemcpyHostToDevice,
                                stream),
                "upload");
      buffer->device_valid = true;
      buffer->writer = stream;
    }
    order_after_writer(*buffer, stream);
    return buffer->device;
  }

  void* device_for_write(allocator::Buffer b, cudaStream_t stream) {
    std::lock_guard lock(mutex_);
    auto* buffer = handle(b);
    ensure_device(*buffer, stream);
    order_after_writer(*buffer, stream);
    buffer->device_valid = true;
    buffer->host_valid = false;
    buffer->writer = stream;
    return buffer->device;
  }

  // Device bytes plus the host copies this allocator owns (a program on the CPU stream of a
  // GPU machine uses only those).
  size_t active() override {
    std::lock_guard lock(mutex_);
    return active_ + host_active_;
  }
  size_t peak() override {
    std::lock_guard lock(mutex_);
    return peak_;
  }
  void reset_peak() override {
    std::lock_guard lock(mutex_);
    peak_ = active_ + host_active_;
  }
  size_t cache_bytes() override {
    uint64_t reserved = 0, used = 0;
    cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrReservedMemCurrent, &reserved);
    cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemCurrent, &used);
    return reserved > used ? reserved - used : 0;
  }
  size_t set_memory_limit(size_t limit) override {
    std::lock_guard lock(mutex_);
    return std::exchange(memory_limit_, limit);
  }
  size_t memory_limit() override {
    std::lock_guard lock(mutex_);
    return memory_limit_;
  }
  size_t set_cache_limit(size_t limit) override {
    std::lock_guard lock(mutex_);
    uint64_t threshold = limit;
    cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &threshold);
    return std::exchange(cache_limit_, limit);
  }
  void clear_cache() override {
    std::lock_guard lock(mutex_);
    trim();
  }

private:
  void trim() {
    cudaDeviceSynchronize();
    cudaMemPoolTrimTo(pool_, 0);
  }

  void ensure_device(DeviceBuffer& buffer, cudaStream_t stream) {
    if (buffer.last_user != nullptr && buffer.last_user != stream) {
      buffer.many_streams = true;
    }
    buffer.last_user = stream;
    if (buffer.device != nullptr) {
      return;
    }
    size_t bytes = std::max<size_t>(buffer.size, 1);
    if (active_ + bytes > memory_limit_) {
      std::ostringstream msg;
      msg << "[malloc] Allocating " << buffer.size
          << " bytes on the GPU would exceed the memory limit of " << memory_limit_ << " bytes ("
          << active_ << " in use).";
      throw std::runtime_error(msg.str());
    }
    cudaError_t err = cudaMallocFromPoolAsync(&buffer.device, bytes, pool_, stream);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      trim();
      err = cudaMallocFromPoolAsync(&buffer.device, bytes, pool_, stream);
    }
    if (err != cudaSuccess) {
      cudaGetLastError();
      std::ostringstream msg;
      msg << "[malloc] Unable to allocate " << buffer.size
          << " bytes on the GPU: " << cudaGetErrorString(err);
      throw std::runtime_error(msg.str());
    }
    active_ += buffer.size;
    peak_ = std::max(peak_, active_ + host_active_);
  }

  // Work on `stream` that uses the buffer waits for its last write on another stream.
  void order_after_writer(DeviceBuffer& buffer, cudaStream_t stream) {
    if (buffer.writer == nullptr || buffer.writer == stream) {
      return;
    }
    cudaEvent_t event;
    cu::check(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "cudaEventCreate");
    cu::check(cudaEventRecord(event, buffer.writer), "cudaEventRecord");
    cu::check(cudaStreamWaitEvent(stream, event, 0), "cudaStreamWaitEvent");
    cudaEventDestroy(event); // released once the wait is done
  }

  void make_host_current(DeviceBuffer& buffer) {
    if (buffer.host == nullptr) {
      buffer.host = host_allocator().malloc(buffer.size).ptr();
      buffer.owns_host = true;
      host_active_ += buffer.size;
      peak_ = std::max(peak_, active_ + host_active_);
    }
    if (!buffer.host_valid && buffer.device_valid) {
      cu::check(cudaMemcpyAsync(buffer.host, buffer.device, buffer.size, cudaMemcpyDeviceToHost,
                                buffer.writer),
                "download");
      cu::check(cudaStreamSynchronize(buffer.writer), "download");
    }
    buffer.host_valid = true;
  }

  std::mutex mutex_;
  cudaMemPool_t pool_ = nullptr;
  size_t active_ = 0;      // device bytes
  size_t host_active_ = 0; // owned host copies
  size_t peak_ = 0;
  size_t memory_limit_ = 0;
  size_t cache_limit_ = 0;
};

CudaAllocator* cuda_allocator() {
  // Leaked on purpose: arrays in static storage are freed after main returns and must still
  // find their allocator.
  static CudaAllocator* instance = cu::is_available() ? new CudaAllocator() : nullptr;
  return instance;
}

CudaAllocator& checked_allocator() {
  auto* a = cuda_allocator();
  if (a == nullptr) {
    throw std::runtime_error("[cuda] No usable GPU.");
  }
  return *a;
}

} // namespace

namespace gpu_backend {

CachingAllocator* allocator() {
  return cuda_allocator();
}

allocator::Buffer wrap_host_memory(void* ptr, size_t size) {
  auto* a = cuda_allocator();
  return a ? a->wrap(ptr, size) : allocator::Buffer(ptr);
}

void release_host_memory(allocator::Buffer buffer) {
  if (auto* a = cuda_allocator()) {
    a->free(buffer);
  }
}

} // namespace gpu_backend

namespace cu {

const void* in_ptr(const array& a, cudaStream_t stream) {
  auto* base = checked_allocator().device_for_read(a.buffer(), stream);
  return static_cast<const char*>(base) + a.byte_offset();
}

void* out_ptr(array& a, cudaStream_t stream) {
  auto* base = checked_allocator().device_for_write(a.buffer(), stream);
  return static_cast<char*>(base) + a.byte_offset();
}

void* alloc_out(array& out, cudaStream_t stream) {
  out.set_data(allocator::malloc(out.nbytes()));
  return out_ptr(out, stream);
}

array device_temp(const Shape& shape, Dtype dtype, cudaStream_t stream) {
  array tmp(shape, dtype, nullptr, {});
  alloc_out(tmp, stream);
  return tmp;
}

} // namespace cu

} // namespace mlx::core
