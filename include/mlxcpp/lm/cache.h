// Key/value caches for attention layers. Keys and values are [B, heads, L, head_dim].
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "mlx/array.h"
#include "mlx/dtype.h"

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

  // Drops the last n tokens (speculative decoding rejects draft tokens, a reused prompt cache
  // diverges from the new prompt).
  virtual void trim(int n) = 0;

  // Whether trim(n) leaves exactly the cache of the sequence n tokens shorter.
  virtual bool can_trim(int n) const { return n <= offset(); }

  // Batch generation left-pads shorter prompts: row b's first left_padding()[b] positions hold
  // padding that no query may attend to. Empty when there is no padding.
  const std::vector<int>& left_padding() const { return left_padding_; }
  void set_left_padding(std::vector<int> padding) { left_padding_ = std::move(padding); }

private:
  std::vector<int> left_padding_;
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

  // The same contents as a QuantizedKVCache (--kv-bits once --quantized-kv-start is reached).
  std::unique_ptr<KVCache> to_quantized(int group_size, int bits) const;

private:
  int step_;
  int offset_ = 0;
  std::optional<array> keys_;
  std::optional<array> values_;
};

// Keys and values stored with mx::quantize (MLX's affine layout: packed uint32 words, scales
// and biases per group of head_dim features), which cuts the cache's memory by 4x (4 bits)
// or 2x (8 bits) against float16. Attention reads them dequantized to the model's dtype.
// head_dim must be a multiple of the group size.
class QuantizedKVCache : public KVCache {
public:
  QuantizedKVCache(int group_size = 64, int bits = 8, int step = 256);
  std::pair<array, array> update_and_fetch(const array& keys, const array& values) override;
  int offset() const override { return offset_; }
  // Six arrays: keys (packed, scales, biases), then values (the same).
  std::vector<array> state() const override;
  void set_state(const std::vector<array>& state, int offset) override;
  void trim(int n) override;

  // Appends like update_and_fetch but returns what is stored, (packed, scales, biases) for the
  // keys and for the values up to the offset: attention through quantized_matmul reads these
  // without dequantizing the whole history.
  std::pair<std::vector<array>, std::vector<array>> update_and_fetch_quantized(const array& keys,
                                                                               const array& values);

  int group_size() const { return group_size_; }
  int bits() const { return bits_; }
  // The dtype that fetched keys and values have (the model's).
  void set_dtype(mlx::core::Dtype dtype) { dtype_ = dtype; }

private:
  int group_size_;
  int bits_;
  int step_;
  int offset_ = 0;
  mlx::core::Dtype dtype_ = mlx::core::float32;
  std::vector<array> keys_; // packed, scales, biases; capacity along axis 2
  std::vector<array> values_;
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
  bool can_trim(int n) const override;

  // Keeps `n` tokens beyond the window so that trimming up to n of them (rejected draft
  // tokens) still leaves a full window.
  void set_trim_margin(int n) { margin_ = n; }
  int keep() const { return keep_; }

private:
  int max_size_;
  int margin_ = 0;
  int keep_;
  int offset_ = 0;
  std::optional<array> keys_; // in temporal order
  std::optional<array> values_;
};

using Cache = std::vector<std::unique_ptr<KVCache>>;

// mlx-lm's --kv-bits rule: once the cache holds more than `start` tokens, every standard
// layer cache becomes a QuantizedKVCache (rotating ones stay as they are). A no-op for bits 0.
void maybe_quantize_cache(Cache& cache, int bits, int group_size, int start);

} // namespace mlxcpp::lm
