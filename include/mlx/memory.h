// Memory statistics and limits, as MLX's mlx/memory.h. With a usable GPU the figures are the
// CUDA backend's: device memory plus the host copies it holds (the cache and the limits are
// device memory's); otherwise the CPU allocator's.
#pragma once

#include <cstdlib>

namespace mlx::core {

/* Bytes in use by arrays, excluding cached memory. */
size_t get_active_memory();

/* The peak of get_active_memory() since the program started or reset_peak_memory(). */
size_t get_peak_memory();

void reset_peak_memory();

/* Bytes held in the allocator's cache, ready for reuse. */
size_t get_cache_memory();

/* Sets the memory limit; returns the previous one. Allocations beyond it first free the cache,
 * then throw. The default is 1.5x the physical memory's budget. */
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();

/* Sets the cache size limit; returns the previous one. 0 disables the cache. */
size_t set_cache_limit(size_t limit);

/* Sets the wired limit (Metal only in MLX); accepted and ignored here. Returns the previous one. */
size_t set_wired_limit(size_t limit);

/* Frees the cache. */
void clear_cache();

} // namespace mlx::core
