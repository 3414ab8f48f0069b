// Built when the CUDA backend is off: there is no GPU device.
#include <stdexcept>

#include "mlx/backend/cuda/cuda.h"
#include "mlx/primitives.h"

#include "core/backend_registry.h"

namespace mlx::core {

namespace cu {
bool is_available() {
  return false;
}
} // namespace cu

namespace gpu_backend {

int device_count() {
  return 0;
}

void new_stream(Stream) {
  throw std::runtime_error("[new_stream] mlxcpp was built without CUDA.");
}

void synchronize(Stream) {}

CachingAllocator* allocator() {
  return nullptr;
}

void eval(Primitive& primitive, const std::vector<array>& inputs, std::vector<array>& outputs) {
  primitive.eval_gpu(inputs, outputs);
}

size_t cpu_fallback_count() {
  return 0;
}

allocator::Buffer wrap_host_memory(void* ptr, size_t) {
  return allocator::Buffer(ptr);
}

void release_host_memory(allocator::Buffer) {}

} // namespace gpu_backend

} // namespace mlx::core
