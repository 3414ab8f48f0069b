// Threefry2x32 on 16 counters at once. Written with GCC/Clang vector types, so each compiled
// variant maps the 16 lanes onto its own registers (4 SSE2, 2 AVX2, 1 AVX-512, where the rotate
// is a single instruction) from the same source.
#include "backend/cpu/random_isa.h"

#include <cstring>

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr uint32_t kLanes = 16;
using Lanes = uint32_t __attribute__((vector_size(kLanes * sizeof(uint32_t))));

template <int R>
inline void mix(Lanes& x0, Lanes& x1) {
  x0 += x1;
  x1 = (x1 << R) | (x1 >> (32 - R));
  x1 ^= x0;
}

template <int R0, int R1, int R2, int R3>
inline void four_rounds(Lanes& x0, Lanes& x1) {
  mix<R0>(x0, x1);
  mix<R1>(x0, x1);
  mix<R2>(x0, x1);
  mix<R3>(x0, x1);
}

struct Keys {
  uint32_t ks[3];

  // After group g (1-based) of four rounds: x0 += ks[g % 3], x1 += ks[(g + 1) % 3] + g.
  void inject(Lanes& x0, Lanes& x1, uint32_t g) const {
    x0 += ks[g % 3];
    x1 += ks[(g + 1) % 3] + g;
  }
};

// The 20 rounds on counters (c0, c0 + offset), lane by lane.
inline void hash(const Keys& k, Lanes c0, uint32_t offset, Lanes& x0, Lanes& x1) {
  x0 = c0 + k.ks[0];
  x1 = c0 + (offset + k.ks[1]);
  four_rounds<13, 15, 26, 6>(x0, x1);
  k.inject(x0, x1, 1);
  four_rounds<17, 29, 16, 24>(x0, x1);
  k.inject(x0, x1, 2);
  four_rounds<13, 15, 26, 6>(x0, x1);
  k.inject(x0, x1, 3);
  four_rounds<17, 29, 16, 24>(x0, x1);
  k.inject(x0, x1, 4);
  four_rounds<13, 15, 26, 6>(x0, x1);
  k.inject(x0, x1, 5);
}

} // namespace

void threefry_pairs(uint32_t k0, uint32_t k1, uint32_t begin, uint32_t count, uint32_t offset,
                    char* first, char* second) {
  const Keys keys{{k0, k1, k0 ^ k1 ^ 0x1BD11BDAu}};
  Lanes lane;
  for (uint32_t l = 0; l < kLanes; ++l) {
    lane[l] = l;
  }
  Lanes x0;
  Lanes x1;
  uint32_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    hash(keys, lane + (begin + i), offset, x0, x1);
    std::memcpy(first + 4 * i, &x0, sizeof(x0));
    std::memcpy(second + 4 * i, &x1, sizeof(x1));
  }
  if (i < count) {
    hash(keys, lane + (begin + i), offset, x0, x1);
    std::memcpy(first + 4 * i, &x0, 4 * (count - i));
    std::memcpy(second + 4 * i, &x1, 4 * (count - i));
  }
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
