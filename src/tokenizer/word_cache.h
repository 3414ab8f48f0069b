// A bounded, thread-safe cache from a pre-tokenized word to its token ids. Text repeats its
// words, so most model calls become one hash lookup. Sharded so that batch encoding on several
// threads rarely contends; like Hugging Face's cache it stops inserting once full rather than
// evicting.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/flat_maps.h"

namespace mlxcpp::tokenizer::detail {

class WordCache {
public:
  static constexpr size_t kMaxWordBytes = 256;

  explicit WordCache(size_t capacity = 1 << 16) : per_shard_(capacity / kShards + 1) {}

  bool lookup(std::string_view word, std::vector<int32_t>& out) const {
    const Shard& shard = shards_[shard_of(word)];
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(word);
    if (it == shard.map.end()) {
      return false;
    }
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }

  void store(std::string_view word, const int32_t* ids, size_t n) const {
    if (word.size() >= kMaxWordBytes) {
      return;
    }
    Shard& shard = shards_[shard_of(word)];
    std::lock_guard lock(shard.mutex);
    if (shard.map.size() < per_shard_) {
      shard.map.emplace(std::string(word), std::vector<int32_t>(ids, ids + n));
    }
  }

private:
  static constexpr size_t kShards = 16;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return hash_bytes(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>, Hash, std::equal_to<>> map;
  };
  static size_t shard_of(std::string_view word) { return (hash_bytes(word) >> 40) % kShards; }

  size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

} // namespace mlxcpp::tokenizer::detail
