// Stable LSD radix sort of (key, index) entries, and the map from each sortable dtype to
// unsigned keys whose order is the sort order of MLX's comparison sort: NaN after everything
// (all NaNs equal), -0.0 equal to 0.0. Linear in the row length, which matters for sorting a
// whole vocabulary per sampled token.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

// Whether T has a radix key (every real type; complex sorts by comparison).
template <typename T>
inline constexpr bool has_radix_key_v = !is_complex_v<T>;

template <typename T>
using radix_key_t =
    std::conditional_t<sizeof(T) == 1, uint8_t,
                       std::conditional_t<sizeof(T) == 2, uint16_t,
                                          std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;

// The bit pattern of +infinity; larger magnitudes are NaNs.
template <typename T>
constexpr radix_key_t<T> infinity_bits() {
  if constexpr (std::is_same_v<T, float>) {
    return 0x7f800000u;
  } else if constexpr (std::is_same_v<T, double>) {
    return 0x7ff0000000000000ull;
  } else if constexpr (std::is_same_v<T, float16_t>) {
    return 0x7c00;
  } else {
    static_assert(std::is_same_v<T, bfloat16_t>);
    return 0x7f80;
  }
}

template <typename T>
radix_key_t<T> radix_key(T v) {
  using U = radix_key_t<T>;
  constexpr U sign = U{1} << (8 * sizeof(U) - 1);
  if constexpr (std::is_same_v<T, bool> || std::is_unsigned_v<T>) {
    return static_cast<U>(v);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<U>(static_cast<U>(v) ^ sign);
  } else {
    // Floats: magnitude bits order like the values; negatives reverse, and sit below positives.
    U bits;
    std::memcpy(&bits, &v, sizeof(U));
    U magnitude = bits & static_cast<U>(~sign);
    if (magnitude > infinity_bits<T>()) {
      return static_cast<U>(~U{0}); // every NaN, last
    }
    if (magnitude == 0) {
      return sign; // both zeros
    }
    return (bits & sign) ? static_cast<U>(~bits) : static_cast<U>(bits | sign);
  }
}

template <typename U>
struct RadixEntry {
  U key;
  uint32_t index;
};

// Sorts `entries` by key, stably, using `scratch` (resized as needed) for the passes. Byte
// positions where every key agrees are skipped.
template <typename U>
void radix_sort(std::vector<RadixEntry<U>>& entries, std::vector<RadixEntry<U>>& scratch) {
  constexpr int kPasses = sizeof(U);
  size_t n = entries.size();
  std::array<std::array<uint32_t, 256>, kPasses> counts{};
  for (const auto& e : entries) {
    for (int p = 0; p < kPasses; ++p) {
      counts[p][(e.key >> (8 * p)) & 0xff]++;
    }
  }
  scratch.resize(n);
  for (int p = 0; p < kPasses; ++p) {
    auto& count = counts[p];
    if (count[(entries[0].key >> (8 * p)) & 0xff] == n) {
      continue;
    }
    uint32_t offset = 0;
    for (auto& c : count) {
      uint32_t here = c;
      c = offset;
      offset += here;
    }
    for (const auto& e : entries) {
      scratch[count[(e.key >> (8 * p)) & 0xff]++] = e;
    }
    entries.swap(scratch);
  }
}

} // namespace mlx::core::cpu
