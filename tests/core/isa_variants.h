// Runs a test body under each instruction-set variant of the *_isa.cpp kernels that this CPU
// supports, so that every variant is checked wherever the tests run.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "backend/cpu/isa_select.h"

namespace mlx::core::testing {

template <typename F>
void for_each_isa(F&& body) {
  using mlx::core::cpu::Isa;
  struct Restore {
    ~Restore() { cpu::force_isa_for_testing(cpu::best_supported_isa()); }
  } restore; // also when the body throws
  for (Isa isa : {Isa::baseline, Isa::avx2, Isa::avx512}) {
    if (static_cast<int>(isa) > static_cast<int>(cpu::best_supported_isa())) {
      continue;
    }
    cpu::force_isa_for_testing(isa);
    SCOPED_TRACE("instruction set variant " + std::to_string(static_cast<int>(isa)));
    body();
  }
}

} // namespace mlx::core::testing
