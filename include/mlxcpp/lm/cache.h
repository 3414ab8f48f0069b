// Key/value caches for attention layers. Keys and values are [B, heads, L, head_dim].
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "mlx/array.h"

namespace mlxcpp::lm {

using mlx::core::array;

class KVCache {
 public:
  virtual ~KVCache() = default;

  // Appends this step's keys and values and returns everything the step attends to.
  virtual std::pair<array, array> update_and_fetch(const array& keys, const array& values) = 0;

  // Tokens seen so far (the position of the next token).
  virtual int offset() const = 0;

  // Tokens the cache can hold, or 0 when unbounded.
  virtual int max_size() const { return 0; }

  // The cached state as arrays, and its restoration (prompt cache files).
  virtual std::vector<array> state() const = 0;
  virtual void set_state(const std::vector<array>& state, int offset) = 0;

  // Drops the last n tokens (speculative decoding rejects draft tokens).
  virtual void trim(int n) = 0;
};

// Grows in steps of `step` tokens; updates write into the preallocated buffer in place.
class StandardKVCache : public KVCache {
 public:
  explicit StandardKVCache(int step = 256) : step_(step) {}
  std::pair<array, array> update_and_fetch(const array& keys, const array& values) override;
  int offset() const override { return offset_; }
  std::vector<array> state() const override;
  void set_state(const std::vector<array>& state, int offset) override;
  void trim(int n) override;

 private:
  int step_;
  int offset_ = 0;
  std::optional<array> keys_;
  std::optional<array> values_;
};

// Keeps the last `max_size` tokens (sliding-window layers, --max-kv-size), plus the first
// `keep` tokens. Multi-token updates return the full window they need.
class RotatingKVCache : public KVCache {
 public:
  RotatingKVCache(int max_size, int keep = 0) : max_size_(max_size), keep_(keep) {}
  std::pair<array, array> update_and_fetch(const array& keys, const array& values) override;
  int offset() const override { return offset_; }
  int max_size() const override { return max_size_; }
  std::vector<array> state() const override;
  void set_state(const std::vector<array>& state, int offset) override;
  void trim(int n) override;

 private:
  int max_size_;
  int keep_;
  int offset_ = 0;
  std::optional<array> keys_;   // in temporal order
  std::optional<array> values_;
};

using Cache = std::vector<std::unique_ptr<KVCache>>;

} // namespace mlxcpp::lm
