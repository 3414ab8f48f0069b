// mlx::core::random keys and bits against MLX's published numbers (tests/random_tests.cpp in
// ml-explore/mlx, themselves JAX's threefry2x32 outputs) and an independent threefry2x32: the
// counter layout for every width and size, every SIMD variant, the default key sequence, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "mlx/mlx.h"

#include "backend/cpu/random_isa.h"
#include "random_helpers.h"

using namespace mlx::core;
using namespace random_test;

TEST(RandomKey, SplitsTheSeedIntoTwoWords) {
  EXPECT_EQ(values<uint32_t>(random::key(0)), (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(values<uint32_t>(random::key(1)), (std::vector<uint32_t>{0, 1}));
  uint64_t seed = uint64_t{1} << 32;
  EXPECT_EQ(values<uint32_t>(random::key(seed)), (std::vector<uint32_t>{1, 0}));
  EXPECT_EQ(values<uint32_t>(random::key(seed + 1)), (std::vector<uint32_t>{1, 1}));
  EXPECT_EQ(random::key(7).dtype(), uint32);
  EXPECT_EQ(random::key(7).shape(), Shape{2});
}

TEST(RandomKey, SplitGivesMlxKeys) {
  auto [key, subkey] = random::split(random::key(0));
  EXPECT_EQ(key.shape(), Shape{2});
  EXPECT_EQ(values<uint32_t>(key), (std::vector<uint32_t>{4146024105u, 967050713u}));
  EXPECT_EQ(values<uint32_t>(subkey), (std::vector<uint32_t>{2718843009u, 1272950319u}));

  auto keys = random::split(random::key(0), 3);
  EXPECT_EQ(keys.shape(), (Shape{3, 2}));
  EXPECT_EQ(keys.dtype(), uint32);
  EXPECT_EQ(values<uint32_t>(keys), (std::vector<uint32_t>{2467461003u, 428148500u, 3186719485u,
                                                           3840466878u, 2562233961u, 1946702221u}));
  EXPECT_EQ(random::split(random::key(0), 0).shape(), (Shape{0, 2}));
}

TEST(RandomKey, GlobalSequenceRepeatsAfterReseeding) {
  random::seed(4);
  auto x = random::bits({});
  auto y = random::bits({});
  random::seed(4);
  auto a = random::bits({});
  auto b = random::bits({});
  EXPECT_EQ(x.item<uint32_t>(), a.item<uint32_t>());
  EXPECT_EQ(y.item<uint32_t>(), b.item<uint32_t>());
  EXPECT_NE(x.item<uint32_t>(), y.item<uint32_t>());

  // The default sequence hands out split(key)'s second half and keeps the first.
  random::seed(0);
  auto first = random::bits({3, 1});
  auto [rest, sub] = random::split(random::key(0));
  EXPECT_EQ(values<uint32_t>(first), values<uint32_t>(random::bits({3, 1}, sub)));

  random::KeySequence sequence(0);
  EXPECT_EQ(values<uint32_t>(sequence.next()), values<uint32_t>(sub));
  EXPECT_EQ(values<uint32_t>(sequence.next()), values<uint32_t>(random::split(rest).second));
  sequence.seed(0);
  EXPECT_EQ(values<uint32_t>(sequence.next()), values<uint32_t>(sub));
}

TEST(RandomKey, DefaultSequenceHandsEachThreadDistinctKeys) {
  random::seed(123);
  constexpr int kThreads = 4;
  constexpr int kDraws = 2000;
  std::vector<std::vector<array>> keys(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> ready = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&keys, &ready, t] {
      // Start together, so that the draws interleave.
      ready++;
      while (ready.load() < kThreads) {
      }
      for (int i = 0; i < kDraws; ++i) {
        keys[t].push_back(random::KeySequence::default_().next());
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::vector<uint64_t> seen;
  for (auto& per_thread : keys) {
    for (auto& k : per_thread) {
      auto v = values<uint32_t>(k);
      seen.push_back((uint64_t{v[0]} << 32) | v[1]);
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()) - seen.begin(), kThreads * kDraws);
}

TEST(RandomBits, ScalarsOfEachWidth) {
  auto key = random::key(0);
  auto x = random::bits({}, key);
  EXPECT_EQ(x.dtype(), uint32);
  EXPECT_EQ(x.size(), 1u);
  EXPECT_EQ(x.item<uint32_t>(), 1797259609u);
  EXPECT_EQ(random::bits({}, key).item<uint32_t>(), 1797259609u); // same key, same bits
  EXPECT_EQ(random::bits({}, 2, key).dtype(), uint16);
  EXPECT_EQ(random::bits({}, 2, key).item<uint16_t>(), 345);
  EXPECT_EQ(random::bits({}, 1, key).dtype(), uint8);
  EXPECT_EQ(random::bits({}, 1, key).item<uint8_t>(), 89);

  key = random::key(1);
  EXPECT_EQ(random::bits({}, key).item<uint32_t>(), 507451445u);
  EXPECT_EQ(random::bits({}, 2, key).item<uint16_t>(), 6197);
  EXPECT_EQ(random::bits({}, 1, key).item<uint8_t>(), 53);
}

TEST(RandomBits, OddAndEvenWordCountsLayOutAsMlx) {
  auto key = random::key(0);
  auto x = random::bits({3, 1}, key);
  EXPECT_EQ(x.shape(), (Shape{3, 1}));
  EXPECT_EQ(values<uint32_t>(x), kBits3Key0);

  EXPECT_EQ(values<uint16_t>(random::bits({5}, 2, key)),
            (std::vector<uint16_t>{20137, 63263, 64300, 20622, 16513}));
  EXPECT_EQ(values<uint16_t>(random::bits({6}, 2, key)),
            (std::vector<uint16_t>{20137, 63263, 64300, 20622, 16513, 41486}));
  EXPECT_EQ(values<uint16_t>(random::bits({7}, 2, key)),
            (std::vector<uint16_t>{20137, 63263, 1497, 14756, 16513, 41486, 44591}));
  EXPECT_EQ(values<uint16_t>(random::bits({8}, 2, key)),
            (std::vector<uint16_t>{20137, 63263, 1497, 14756, 16513, 41486, 44591, 19423}));
}

TEST(RandomBits, OtherKeysGiveMlxNumbers) {
  // MLX's vmap tests, unrolled into one key each.
  auto bits_of = [](uint32_t k0, uint32_t k1, int n) {
    return values<uint32_t>(random::bits({n}, array({k0, k1})));
  };
  EXPECT_EQ(bits_of(0, 0, 3), kBits3Key0);
  EXPECT_EQ(bits_of(1, 1, 3), (std::vector<uint32_t>{3725146706u, 1802982961u, 1349634643u}));
  EXPECT_EQ(bits_of(0, 1, 3), (std::vector<uint32_t>{2441914641u, 1110694964u, 3819641963u}));
  EXPECT_EQ(bits_of(0, 0, 2), (std::vector<uint32_t>{928981903u, 3453687069u}));
  EXPECT_EQ(bits_of(1, 1, 2), (std::vector<uint32_t>{3606183818u, 460005496u}));
  EXPECT_EQ(bits_of(2, 2, 2), (std::vector<uint32_t>{2799733733u, 856293553u}));
  EXPECT_EQ(bits_of(3, 3, 2), (std::vector<uint32_t>{4081856343u, 3445925136u}));
  EXPECT_EQ(bits_of(4, 4, 2), (std::vector<uint32_t>{2775548010u, 1430281703u}));
  EXPECT_EQ(bits_of(5, 5, 2), (std::vector<uint32_t>{305173070u, 2615843348u}));
  EXPECT_EQ(bits_of(0, 1, 2), (std::vector<uint32_t>{1948878966u, 4237131848u}));
  EXPECT_EQ(bits_of(2, 3, 2), (std::vector<uint32_t>{2531170506u, 1858648356u}));
  EXPECT_EQ(bits_of(4, 5, 2), (std::vector<uint32_t>{740561898u, 4234094099u}));
}

TEST(RandomBits, NarrowWidthsAreBytesOfTheWideLayout) {
  // Width 1 over n bytes lays out like width 4 over ceil(n / 4) words, truncated; the partial
  // last word must not spill past the output.
  auto key = random::key(3);
  for (int n : {1, 2, 3, 4, 5, 7, 9, 13, 4099}) {
    int words = (n + 3) / 4;
    auto wide = values<uint32_t>(random::bits({words}, key));
    auto narrow = values<uint8_t>(random::bits({n}, 1, key));
    ASSERT_EQ(narrow.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(narrow[i], static_cast<uint8_t>(wide[i / 4] >> (8 * (i % 4)))) << n << " " << i;
    }
  }
}

TEST(RandomBits, LargeOutputsFollowTheCounterLayout) {
  // The reference hash reproduces MLX's numbers...
  EXPECT_EQ(threefry_ref({0, 0}, {0, 0}).first, 1797259609u);
  EXPECT_EQ(threefry_ref({0, 0}, {0, 2}).first, 4146024105u);
  EXPECT_EQ(threefry_ref({0, 0}, {0, 2}).second, 2718843009u);
  // ...and checks every word of long draws, which the kernel splits across threads: for 2m
  // words, counter (j, j + m) gives words j and j + m; for 2m + 1, counter (j, j + m + 1) gives
  // words j and j + m + 1, and (m, 0) the middle word m.
  std::pair<uint32_t, uint32_t> key = {7, 11};
  for (int words : {1 << 18, (1 << 18) + 1}) {
    auto x = values<uint32_t>(random::bits({words}, array({key.first, key.second})));
    uint32_t half = words / 2;
    uint32_t odd = words % 2;
    for (uint32_t j = 0; j < half; ++j) {
      auto [a, b] = threefry_ref(key, {j, j + half + odd});
      ASSERT_EQ(x[j], a) << words << " " << j;
      ASSERT_EQ(x[j + half + odd], b) << words << " " << j;
    }
    if (odd) {
      EXPECT_EQ(x[half], threefry_ref(key, {half, 0}).first);
    }
  }
}

TEST(RandomBits, EveryIsaVariantMatchesTheReference) {
  struct Variant {
    const char* name;
    cpu::ThreefryPairsFn fn;
    bool supported;
  };
  std::vector<Variant> variants = {{"baseline", &cpu::isa_baseline::threefry_pairs, true}};
#if defined(__x86_64__)
  variants.push_back({"avx2", &cpu::isa_avx2::threefry_pairs,
                      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2")});
  variants.push_back(
      {"avx512", &cpu::isa_avx512::threefry_pairs,
       __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16")});
#endif
  for (const auto& v : variants) {
    if (!v.supported) {
      continue;
    }
    for (uint32_t count : {0u, 1u, 15u, 16u, 17u, 33u, 100u}) {
      // Misaligned by one byte, with guard bytes around each run.
      std::vector<char> first(4 * count + 2, 0x5a);
      std::vector<char> second(4 * count + 2, 0x5a);
      uint32_t begin = 4000000000u - 7; // counters wrap past 2^32 inside the run
      v.fn(0xdeadbeef, 42, begin, count, 1000, first.data() + 1, second.data() + 1);
      for (uint32_t i = 0; i < count; ++i) {
        auto [a, b] = threefry_ref({0xdeadbeef, 42}, {begin + i, begin + i + 1000});
        uint32_t got_a;
        uint32_t got_b;
        std::memcpy(&got_a, first.data() + 1 + 4 * i, 4);
        std::memcpy(&got_b, second.data() + 1 + 4 * i, 4);
        ASSERT_EQ(got_a, a) << v.name << " " << count << " " << i;
        ASSERT_EQ(got_b, b) << v.name << " " << count << " " << i;
      }
      EXPECT_EQ(first.front(), 0x5a);
      EXPECT_EQ(first.back(), 0x5a);
      EXPECT_EQ(second.back(), 0x5a);
    }
  }
}

TEST(RandomBits, EmptyShapes) {
  auto x = random::bits({0}, random::key(0));
  EXPECT_EQ(x.size(), 0u);
  x.eval();
  EXPECT_EQ(random::bits({2, 0, 3}, 2, random::key(0)).shape(), (Shape{2, 0, 3}));
}

TEST(RandomBits, Errors) {
  auto key = random::key(1);
  EXPECT_THROW(random::bits({}, 0, key), std::invalid_argument);
  EXPECT_THROW(random::bits({}, 3, key), std::invalid_argument);
  EXPECT_THROW(random::bits({}, 5, key), std::invalid_argument);
  EXPECT_THROW(random::bits({}, -1, key), std::invalid_argument);
  EXPECT_THROW(random::bits({-1}, key), std::invalid_argument);
  EXPECT_THROW(random::bits({}, array({0, 0})), std::invalid_argument); // int32 key
  EXPECT_THROW(random::bits({}, array({0u, 0u}, {1, 2})), std::invalid_argument);
  EXPECT_THROW(random::bits({}, array({0u, 0u, 0u}, {3, 1})), std::invalid_argument);
  EXPECT_THROW(random::bits({}, array({0u, 0u}, {2, 1})), std::invalid_argument);
  EXPECT_THROW(random::split(key, -1), std::invalid_argument);
  EXPECT_THROW(random::split(array({1, 2})), std::invalid_argument);
}
