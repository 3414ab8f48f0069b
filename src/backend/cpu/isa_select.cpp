#include "backend/cpu/isa_select.h"

#include <atomic>

namespace mlx::core::cpu {

namespace {

Isa detect() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
    return Isa::avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2")) {
    return Isa::avx2;
  }
#endif
  return Isa::baseline;
}

std::atomic<Isa>& forced() {
  static std::atomic<Isa> isa{best_supported_isa()};
  return isa;
}

} // namespace

Isa best_supported_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  return forced().load(std::memory_order_relaxed);
}

void force_isa_for_testing(Isa isa) {
  forced().store(
      static_cast<int>(isa) <= static_cast<int>(best_supported_isa()) ? isa : best_supported_isa(),
      std::memory_order_relaxed);
}

} // namespace mlx::core::cpu
