// Open-addressing hash maps for the tokenizer's hot lookups: token string -> id, and merge
// pair -> (rank, merged id). Keys live in one arena, so building a 262k-entry vocabulary costs
// a handful of allocations and a lookup touches one cache line in the common case.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mlxcpp::tokenizer::detail {

inline uint64_t hash_bytes(std::string_view s) {
  // FNV-1a over 8-byte words, then a final avalanche: cheap for short tokens.
  uint64_t h = 0xcbf29ce484222325ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    __builtin_memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  for (size_t k = 0; i < s.size(); ++i, ++k) {
    tail |= static_cast<uint64_t>(static_cast<unsigned char>(s[i])) << (8 * k);
  }
  h = (h ^ tail) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 32);
}

class StringIdMap {
public:
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) {
      cap <<= 1;
    }
    slots_.assign(cap, Slot{});
    arena_.reserve(n * 8);
  }

  // Returns false (and keeps the old id) when the key is present already.
  bool insert(std::string_view key, int32_t id) {
    if ((size_ + 1) * 2 > slots_.size()) {
      grow();
    }
    return insert_no_grow(key, id, hash_bytes(key));
  }

  void insert_or_assign(std::string_view key, int32_t id) {
    if (!insert(key, id)) {
      slots_[locate(key, hash_bytes(key))].id = id;
    }
  }

  const int32_t* find(std::string_view key) const {
    if (slots_.empty()) {
      return nullptr;
    }
    size_t i = locate(key, hash_bytes(key));
    return slots_[i].id >= 0 ? &slots_[i].id : nullptr;
  }

  size_t size() const { return size_; }

private:
  struct Slot {
    uint32_t hash_low = 0;
    uint32_t length = 0;
    uint64_t offset = 0;
    int32_t id = -1;
  };

  std::string_view key_of(const Slot& s) const {
    return std::string_view(arena_.data() + s.offset, s.length);
  }

  size_t locate(std::string_view key, uint64_t h) const {
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    auto low = static_cast<uint32_t>(h >> 32);
    while (slots_[i].id >= 0) {
      const Slot& s = slots_[i];
      if (s.hash_low == low && s.length == key.size() && key_of(s) == key) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return i;
  }

  bool insert_no_grow(std::string_view key, int32_t id, uint64_t h) {
    size_t i = locate(key, h);
    if (slots_[i].id >= 0) {
      return false;
    }
    Slot& s = slots_[i];
    s.hash_low = static_cast<uint32_t>(h >> 32);
    s.length = static_cast<uint32_t>(key.size());
    s.offset = arena_.size();
    s.id = id;
    arena_.append(key);
    ++size_;
    return true;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id < 0) {
        continue;
      }
      size_t i = hash_bytes(key_of(s)) & mask;
      while (slots_[i].id >= 0) {
        i = (i + 1) & mask;
      }
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  std::string arena_;
  size_t size_ = 0;
};

// (left id, right id) -> (rank, merged id).
class MergeMap {
public:
  struct Merge {
    uint32_t rank;
    int32_t id;
  };

  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) {
      cap <<= 1;
    }
    slots_.assign(cap, Slot{});
  }

  // A pair listed twice keeps its later rank, as Hugging Face's map collection does.
  void insert_or_assign(int32_t left, int32_t right, Merge merge) {
    if ((size_ + 1) * 2 > slots_.size()) {
      rehash(slots_.empty() ? 16 : slots_.size() * 2);
    }
    uint64_t key = pack(left, right);
    size_t i = probe(key);
    if (slots_[i].merge.id < 0) {
      ++size_;
    }
    slots_[i] = Slot{key, merge};
  }

  const Merge* find(int32_t left, int32_t right) const {
    if (slots_.empty()) {
      return nullptr;
    }
    size_t i = probe(pack(left, right));
    return slots_[i].merge.id >= 0 ? &slots_[i].merge : nullptr;
  }

private:
  struct Slot {
    uint64_t key = 0;
    Merge merge{0, -1};
  };

  static uint64_t pack(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static size_t mix(uint64_t k) {
    k *= 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(k ^ (k >> 29));
  }

  size_t probe(uint64_t key) const {
    size_t mask = slots_.size() - 1;
    size_t i = mix(key) & mask;
    while (slots_[i].merge.id >= 0 && slots_[i].key != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  void rehash(size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{});
    for (const Slot& s : old) {
      if (s.merge.id >= 0) {
        slots_[probe(s.key)] = s;
      }
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

} // namespace mlxcpp::tokenizer::detail
