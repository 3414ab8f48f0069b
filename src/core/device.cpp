#include "mlx/device.h"

#include <stdexcept>

#include "mlx/backend/cuda/cuda.h"

#include "core/backend_registry.h"

namespace mlx::core {

namespace {

Device& mutable_default_device() {
  static Device device = gpu::is_available() ? Device(Device::gpu) : Device(Device::cpu);
  return device;
}

} // namespace

const Device& default_device() {
  return mutable_default_device();
}

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[set_default_device] Device is not available: the GPU needs the "
                                "CUDA backend and an NVIDIA GPU.");
  }
  mutable_default_device() = d;
}

bool operator==(const Device& lhs, const Device& rhs) {
  return lhs.type == rhs.type && lhs.index == rhs.index;
}

bool operator!=(const Device& lhs, const Device& rhs) {
  return !(lhs == rhs);
}

bool is_available(const Device& d) {
  if (d.type == Device::cpu) {
    return d.index == 0;
  }
  return gpu::is_available() && d.index >= 0 && d.index < device_count(Device::gpu);
}

int device_count(Device::DeviceType type) {
  return type == Device::cpu ? 1 : gpu_backend::device_count();
}

namespace gpu {
bool is_available() {
  return cu::is_available();
}
} // namespace gpu

} // namespace mlx::core
