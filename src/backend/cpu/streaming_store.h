// Streaming (non-temporal) stores for element-wise outputs that will not stay in the cache.
// A normal store first reads its cache line from memory (read-for-ownership), so c = a + b moves
// four arrays' worth of bytes for three; a streaming store writes the line without reading it.
// Kernels compute a block into an L1-resident buffer with ordinary (vectorized) code and copy it
// out with stream_copy, then call stream_fence before their task ends so that the writes are
// visible to whoever reads the output next.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mlx::core::cpu {

// Size of the L1-resident staging buffer of a kernel task.
constexpr size_t streaming_block_bytes = 4096;

// Whether an op that touches this many bytes (inputs and output) should stream its output: true
// when they cannot all stay in the last-level cache anyway.
bool prefer_streaming_stores(size_t bytes_touched);

inline void stream_copy(void* dst, const void* src, size_t bytes) {
#if defined(__SSE2__)
  auto* d = static_cast<char*>(dst);
  const auto* s = static_cast<const char*>(src);
  size_t head = std::min(bytes, (16 - reinterpret_cast<uintptr_t>(d) % 16) % 16);
  std::memcpy(d, s, head);
  d += head;
  s += head;
  bytes -= head;
  for (; bytes >= 16; bytes -= 16, d += 16, s += 16) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(d),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
  }
  std::memcpy(d, s, bytes);
#else
  std::memcpy(dst, src, bytes);
#endif
}

// Orders this thread's streaming stores before its later (synchronizing) writes.
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

} // namespace mlx::core::cpu
