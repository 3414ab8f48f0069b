#include "mlx/stream.h"

#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "core/backend_registry.h"

namespace mlx::core {

namespace {

// Streams are numbered across devices. The default stream of each device is made on first use.
struct StreamRegistry {
  std::mutex mutex;
  int next_index = 0;
  std::unordered_map<int, Stream> default_for_device; // key: device type * 1024 + index

  static int key(const Device& d) { return static_cast<int>(d.type) * 1024 + d.index; }
};

StreamRegistry& registry() {
  static StreamRegistry r;
  return r;
}

Stream make_stream_locked(StreamRegistry& r, Device d) {
  Stream s(r.next_index++, d);
  if (d.type == Device::gpu) {
    gpu_backend::new_stream(s);
  }
  return s;
}

} // namespace

Stream default_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[default_stream] Device is not available.");
  }
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.default_for_device.find(StreamRegistry::key(d));
  if (it != r.default_for_device.end()) {
    return it->second;
  }
  auto s = make_stream_locked(r, d);
  r.default_for_device.emplace(StreamRegistry::key(d), s);
  return s;
}

void set_default_stream(Stream s) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.default_for_device.insert_or_assign(StreamRegistry::key(s.device), s);
}

Stream new_stream(Device d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[new_stream] Device is not available.");
  }
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return make_stream_locked(r, d);
}

void synchronize(Stream s) {
  // CPU work runs to completion inside eval, so only GPU streams can have work in flight.
  if (s.device.type == Device::gpu) {
    gpu_backend::synchronize(s);
  }
}

void synchronize() {
  synchronize(default_stream(default_device()));
}

} // namespace mlx::core
