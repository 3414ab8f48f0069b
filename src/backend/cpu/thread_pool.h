// The CPU backend's thread pool: large ops split their work across it.
#pragma once

#include <cstdint>
#include <functional>

namespace mlx::core::cpu {

// Threads used by CPU kernels: MLXCPP_NUM_THREADS if set, else the hardware's count.
int num_threads();

// Calls fn(begin, end) on disjoint ranges covering [0, n), in parallel when there is enough
// work (at least `grain` items per range). The calling thread takes part; calls made from
// inside a parallel region run inline. Exceptions thrown by fn reach the caller.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

} // namespace mlx::core::cpu
