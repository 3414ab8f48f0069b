// The GPU device and its streams: each mlx GPU stream owns a CUDA stream, made when the mlx
// stream is made (default streams on first use).
#include <cuda_runtime.h>

#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "mlx/backend/cuda/cuda.h"

#include "backend/cuda/backend.h"
#include "core/backend_registry.h"

namespace mlx::core {

namespace {

int probe_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError(); // no driver or no device: the backend stays off
    return 0;
  }
  return count;
}

struct StreamTable {
  std::mutex mutex;
  std::unordered_map<int, cudaStream_t> streams;
};

StreamTable& stream_table() {
  // Leaked on purpose: the CUDA streams must outlive arrays freed during static destruction.
  static auto* table = new StreamTable();
  return *table;
}

} // namespace

namespace cu {

bool is_available() {
  static const bool available = probe_device_count() > 0;
  return available;
}

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    cudaGetLastError();
    std::ostringstream msg;
    msg << "[cuda] " << what << " failed: " << cudaGetErrorString(err);
    throw std::runtime_error(msg.str());
  }
}

void check_launch(const char* kernel) {
  check(cudaGetLastError(), kernel);
}

cudaStream_t cuda_stream(const Stream& s) {
  auto& table = stream_table();
  std::lock_guard lock(table.mutex);
  auto it = table.streams.find(s.index);
  if (it == table.streams.end()) {
    throw std::runtime_error("[cuda] Unknown GPU stream.");
  }
  return it->second;
}

} // namespace cu

namespace gpu_backend {

int device_count() {
  static const int count = probe_device_count();
  return count;
}

void new_stream(Stream s) {
  if (!cu::is_available()) {
    throw std::runtime_error("[new_stream] No usable NVIDIA GPU.");
  }
  cudaStream_t stream;
  cu::check(cudaSetDevice(s.device.index), "cudaSetDevice");
  cu::check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  auto& table = stream_table();
  std::lock_guard lock(table.mutex);
  table.streams[s.index] = stream;
  cu::warm_up_blas();
}

void synchronize(Stream s) {
  cu::check(cudaStreamSynchronize(cu::cuda_stream(s)), "cudaStreamSynchronize");
}

} // namespace gpu_backend

} // namespace mlx::core
