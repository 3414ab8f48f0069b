// Threefry2x32 over runs of consecutive counters, compiled once per instruction set (see
// random_isa.cpp): the hot loop of RandomBits.
#pragma once

#include <cstdint>

namespace mlx::core::cpu {

// For i in [0, count): (a, b) = threefry2x32((k0, k1), (begin + i, begin + i + offset)); stores
// a as the i-th uint32 of `first` and b as the i-th of `second` (byte pointers: the runs need
// not be 4-byte aligned). Plain integer arguments: nothing inline from a shared header may be
// instantiated in these files, where the linker could hand one ISA's copy to another's caller.
using ThreefryPairsFn = void (*)(uint32_t k0, uint32_t k1, uint32_t begin, uint32_t count,
                                 uint32_t offset, char* first, char* second);

namespace isa_baseline {
void threefry_pairs(uint32_t k0, uint32_t k1, uint32_t begin, uint32_t count, uint32_t offset,
                    char* first, char* second);
}
namespace isa_avx2 {
void threefry_pairs(uint32_t k0, uint32_t k1, uint32_t begin, uint32_t count, uint32_t offset,
                    char* first, char* second);
}
namespace isa_avx512 {
void threefry_pairs(uint32_t k0, uint32_t k1, uint32_t begin, uint32_t count, uint32_t offset,
                    char* first, char* second);
}

} // namespace mlx::core::cpu
