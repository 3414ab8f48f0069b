// Runs GPU primitives: the kernel registered for the primitive's type, or, when it has none or
// declines these inputs, the CPU implementation over host copies (the buffers move between
// host and device on demand, so the result is the same, only slower). Set
// MLXCPP_CUDA_LOG_FALLBACK=1 to see each primitive that takes the CPU path, once.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "backend/cuda/backend.h"
#include "core/backend_registry.h"

namespace mlx::core {

namespace {

using KernelMap = std::unordered_map<std::type_index, cu::Kernel>;

KernelMap& kernel_map() {
  // Leaked on purpose, as the allocator: GPU work may run during static destruction.
  static auto* map = new KernelMap();
  return *map;
}

const KernelMap& kernels() {
  static const bool registered = [] {
    cu::register_copy();
    cu::register_elementwise();
    cu::register_reduce();
    cu::register_softmax();
    cu::register_norm();
    cu::register_rope();
    cu::register_matmul();
    cu::register_quantized();
    cu::register_attention();
    cu::register_indexing();
    cu::register_shape();
    return true;
  }();
  (void)registered;
  return kernel_map();
}

bool log_fallback() {
  static const bool log = [] {
    const char* v = std::getenv("MLXCPP_CUDA_LOG_FALLBACK");
    return v != nullptr && std::string(v) == "1";
  }();
  return log;
}

} // namespace

namespace cu {

void add_kernel(std::type_index type, Kernel kernel) {
  kernel_map()[type] = std::move(kernel);
}

} // namespace cu

namespace gpu_backend {

namespace {
std::atomic<size_t> fallbacks{0};
} // namespace

size_t cpu_fallback_count() {
  return fallbacks.load();
}

void eval(Primitive& primitive, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& map = kernels();
  auto it = map.find(std::type_index(typeid(primitive)));
  if (it != map.end() && it->second(primitive, inputs, outputs)) {
    return;
  }
  ++fallbacks;
  if (log_fallback()) {
    static std::mutex mutex;
    static std::set<std::string> logged;
    std::lock_guard lock(mutex);
    if (logged.insert(primitive.name()).second) {
      std::fprintf(stderr, "[cuda] %s runs on the CPU\n", primitive.name());
    }
  }
  primitive.eval_cpu(inputs, outputs);
}

} // namespace gpu_backend

} // namespace mlx::core
