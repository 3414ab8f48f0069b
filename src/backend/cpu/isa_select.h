// Which instruction-set variant of the *_isa.cpp kernels runs on this CPU. The variants are
// compiled once each (baseline, AVX2+FMA+F16C, AVX-512 with BW/VL/DQ/VNNI/BF16); the best one
// the CPU supports is picked once, at first use.
#pragma once

namespace mlx::core::cpu {

enum class Isa { baseline, avx2, avx512 };

// The variant kernels use: the best supported one, or the one forced for testing.
Isa active_isa();

// The best variant this CPU supports.
Isa best_supported_isa();

// Forces a variant (capped at the best supported one) so tests can cover every path; pass
// best_supported_isa() to undo. Kernels already running keep the variant they picked.
void force_isa_for_testing(Isa isa);

// The function of the active variant among one per variant.
template <typename F>
F pick_isa(F baseline, F avx2, F avx512) {
  switch (active_isa()) {
  case Isa::avx512:
    return avx512;
  case Isa::avx2:
    return avx2;
  case Isa::baseline:
    break;
  }
  return baseline;
}

} // namespace mlx::core::cpu
