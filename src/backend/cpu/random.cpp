// RandomBits on the CPU. Each key fills its own run of `bytes_per_key` output bytes, viewed as
// `words` 32-bit words (the last one possibly partial); the whole words are hashed 16 at a time
// by the SIMD variant for this CPU (random_isa.cpp). MLX's layout, which must be kept for
// bit-exactness: counter (j, j + half + odd) for j < half gives words j and j + half + odd, and
// when the word count is odd the middle word `half` is the first half of hash(half, 0).
#include "core/primitives/random.h"

#include <algorithm>
#include <cstring>

#include "backend/common/strides.h"
#include "backend/cpu/random_isa.h"
#include "backend/cpu/thread_pool.h"
#include "backend/cpu/threefry.h"

namespace mlx::core {

namespace {

// Stores word `w` of a key's run, cutting it short when the run ends inside the word.
inline void store_word(char* run, size_t bytes, size_t w, uint32_t value) {
  size_t offset = 4 * w;
  if (offset + 4 <= bytes) {
    std::memcpy(run + offset, &value, 4);
  } else {
    std::memcpy(run + offset, &value, bytes - offset);
  }
}

// The threefry_pairs variant for this CPU, chosen once.
cpu::ThreefryPairsFn threefry_pairs_for_this_cpu() {
  static const cpu::ThreefryPairsFn fn = [] {
#if defined(__x86_64__)
    // The AVX-512 variant is compiled with every extension below, so it needs them all.
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
        __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
        __builtin_cpu_supports("bmi2")) {
      return &cpu::isa_avx512::threefry_pairs;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2")) {
      return &cpu::isa_avx2::threefry_pairs;
    }
#endif
    return &cpu::isa_baseline::threefry_pairs;
  }();
  return fn;
}

void fill_key_run(std::pair<uint32_t, uint32_t> key, char* run, size_t bytes) {
  size_t words = (bytes + 3) / 4;
  size_t half = words / 2;
  size_t odd = words % 2;
  size_t second_offset = half + odd;
  // Pair j = half - 1 owns the last word, which may be partial; the others go whole.
  size_t whole = (bytes % 4 == 0 || half == 0) ? half : half - 1;
  auto hash_pairs = threefry_pairs_for_this_cpu();
  cpu::parallel_for(static_cast<int64_t>(whole), 1 << 14, [&](int64_t begin, int64_t end) {
    hash_pairs(key.first, key.second, static_cast<uint32_t>(begin),
               static_cast<uint32_t>(end - begin), static_cast<uint32_t>(second_offset),
               run + 4 * begin, run + 4 * (begin + second_offset));
  });
  for (size_t j = whole; j < half; ++j) {
    auto [a, b] = cpu::threefry2x32(
        key, {static_cast<uint32_t>(j), static_cast<uint32_t>(j + second_offset)});
    store_word(run, bytes, j, a);
    store_word(run, bytes, j + second_offset, b);
  }
  if (odd) {
    store_word(run, bytes, half, cpu::threefry2x32(key, {static_cast<uint32_t>(half), 0}).first);
  }
}

} // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& keys = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  size_t num_keys = keys.size() / 2;
  if (num_keys == 0 || out.size() == 0) {
    return;
  }
  size_t bytes_per_key = out.nbytes() / num_keys;
  const uint32_t* kptr = keys.data<uint32_t>();
  char* optr = out.data<char>();
  for (size_t i = 0; i < num_keys; ++i) {
    auto k0 = kptr[elem_to_loc(2 * i, keys.shape(), keys.strides())];
    auto k1 = kptr[elem_to_loc(2 * i + 1, keys.shape(), keys.strides())];
    fill_key_run({k0, k1}, optr + i * bytes_per_key, bytes_per_key);
  }
}

} // namespace mlx::core
