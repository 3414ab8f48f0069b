// The threefry2x32 block hash with 20 rounds (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC'11), the generator behind JAX's and MLX's random keys.
#pragma once

#include <cstdint>
#include <utility>

namespace mlx::core::cpu {

inline std::pair<uint32_t, uint32_t> threefry2x32(std::pair<uint32_t, uint32_t> key,
                                                  std::pair<uint32_t, uint32_t> counter) {
  constexpr uint32_t rotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const uint32_t ks[3] = {key.first, key.second, key.first ^ key.second ^ 0x1BD11BDAu};
  uint32_t x0 = counter.first + ks[0];
  uint32_t x1 = counter.second + ks[1];
  // Five groups of four rounds, each group followed by a key injection.
  for (uint32_t group = 0; group < 5; ++group) {
    for (uint32_t r : rotations[group % 2]) {
      x0 += x1;
      x1 = (x1 << r) | (x1 >> (32 - r));
      x1 ^= x0;
    }
    x0 += ks[(group + 1) % 3];
    x1 += ks[(group + 2) % 3] + group + 1;
  }
  return {x0, x1};
}

} // namespace mlx::core::cpu
