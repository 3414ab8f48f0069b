#include "mlxcpp/lm/cache.h"

#include <stdexcept>

#include "mlx/ops.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

std::pair<array, array> StandardKVCache::update_and_fetch(const array& keys, const array& values) {
  int B = keys.shape(0), H = keys.shape(1), L = keys.shape(2);
  int Dk = keys.shape(3), Dv = values.shape(3);
  int capacity = keys_ ? keys_->shape(2) : 0;
  if (offset_ + L > capacity) {
    // Grow by whole steps; the old contents are copied once per growth, not per token.
    int new_capacity = ((offset_ + L + step_ - 1) / step_) * step_;
    auto new_k = mx::zeros({B, H, new_capacity - capacity, Dk}, keys.dtype());
    auto new_v = mx::zeros({B, H, new_capacity - capacity, Dv}, values.dtype());
    if (keys_) {
      keys_ = mx::concatenate({*keys_, new_k}, 2);
      values_ = mx::concatenate({*values_, new_v}, 2);
    } else {
      keys_ = new_k;
      values_ = new_v;
    }
  }
  keys_ =
      mx::slice_update(*keys_, keys, mx::Shape{0, 0, offset_, 0}, mx::Shape{B, H, offset_ + L, Dk});
  values_ = mx::slice_update(*values_, values, mx::Shape{0, 0, offset_, 0},
                             mx::Shape{B, H, offset_ + L, Dv});
  offset_ += L;
  return {mx::slice(*keys_, {0, 0, 0, 0}, {B, H, offset_, Dk}),
          mx::slice(*values_, {0, 0, 0, 0}, {B, H, offset_, Dv})};
}

std::vector<array> StandardKVCache::state() const {
  if (!keys_) {
    return {};
  }
  int B = keys_->shape(0), H = keys_->shape(1);
  return {mx::slice(*keys_, {0, 0, 0, 0}, {B, H, offset_, keys_->shape(3)}),
          mx::slice(*values_, {0, 0, 0, 0}, {B, H, offset_, values_->shape(3)})};
}

void StandardKVCache::set_state(const std::vector<array>& state, int offset) {
  if (state.size() != 2) {
    throw std::invalid_argument("A standard KV cache state has keys and values.");
  }
  keys_ = state[0];
  values_ = state[1];
  offset_ = offset;
}

void StandardKVCache::trim(int n) {
  offset_ -= std::min(n, offset_);
}

namespace {

void check_head_dim(int head_dim, int group_size) {
  if (head_dim % group_size != 0) {
    throw std::invalid_argument("[QuantizedKVCache] head_dim " + std::to_string(head_dim) +
                                " is not a multiple of the kv group size " +
                                std::to_string(group_size) + ".");
  }
}

} // namespace

std::unique_ptr<KVCache> StandardKVCache::to_quantized(int group_size, int bits) const {
  if (keys_) {
    check_head_dim(keys_->shape(3), group_size);
    check_head_dim(values_->shape(3), group_size);
  }
  auto q = std::make_unique<QuantizedKVCache>(group_size, bits, step_);
  q->set_left_padding(left_padding());
  if (keys_) {
    q->set_dtype(keys_->dtype());
    if (offset_ > 0) {
      auto kv = state();
      auto k = mx::quantize(kv[0], group_size, bits);
      auto v = mx::quantize(kv[1], group_size, bits);
      q->set_state({k[0], k[1], k[2], v[0], v[1], v[2]}, offset_);
    }
  }
  return q;
}

QuantizedKVCache::QuantizedKVCache(int group_size, int bits, int step)
    : group_size_(group_size), bits_(bits), step_(step) {
  if (bits != 4 && bits != 8) {
    throw std::invalid_argument("[QuantizedKVCache] kv bits must be 4 or 8, got " +
                                std::to_string(bits) + ".");
  }
  if (group_size != 32 && group_size != 64 && group_size != 128) {
    throw std::invalid_argument("[QuantizedKVCache] kv group size must be 32, 64 or 128, got " +
                                std::to_string(group_size) + ".");
  }
}

namespace {

// Grows each of `parts` (packed, scales, biases) along axis 2 to hold `capacity` tokens.
void grow(std::vector<array>& parts, const std::vector<array>& like, int capacity) {
  for (size_t i = 0; i < like.size(); ++i) {
    auto shape = like[i].shape();
    int have = i < parts.size() ? parts[i].shape(2) : 0;
    shape[2] = capacity - have;
    auto extra = mx::zeros(shape, like[i].dtype());
    if (parts.size() < like.size()) {
      parts.push_back(extra);
    } else {
      parts[i] = mx::concatenate({parts[i], extra}, 2);
    }
  }
}

std::vector<array> prefix(const std::vector<array>& parts, int n) {
  std::vector<array> out;
  for (auto& p : parts) {
    out.push_back(mx::slice(p, {0, 0, 0, 0}, {p.shape(0), p.shape(1), n, p.shape(3)}));
  }
  return out;
}

} // namespace

std::pair<std::vector<array>, std::vector<array>>
QuantizedKVCache::update_and_fetch_quantized(const array& keys, const array& values) {
  int L = keys.shape(2);
  check_head_dim(keys.shape(-1), group_size_);
  check_head_dim(values.shape(-1), group_size_);
  dtype_ = keys.dtype();
  auto k = mx::quantize(keys, group_size_, bits_);
  auto v = mx::quantize(values, group_size_, bits_);
  int capacity = keys_.empty() ? 0 : keys_[0].shape(2);
  if (offset_ + L > capacity) {
    int new_capacity = ((offset_ + L + step_ - 1) / step_) * step_;
    grow(keys_, k, new_capacity);
    grow(values_, v, new_capacity);
  }
  auto write = [&](std::vector<array>& parts, const std::vector<array>& update) {
    for (size_t i = 0; i < parts.size(); ++i) {
      auto stop = update[i].shape();
      stop[2] = offset_ + L;
      parts[i] = mx::slice_update(parts[i], update[i], mx::Shape{0, 0, offset_, 0}, stop);
    }
  };
  write(keys_, k);
  write(values_, v);
  offset_ += L;
  return {prefix(keys_, offset_), prefix(values_, offset_)};
}

std::pair<array, array> QuantizedKVCache::update_and_fetch(const array& keys, const array& values) {
  auto [kp, vp] = update_and_fetch_quantized(keys, values);
  return {mx::dequantize(kp[0], kp[1], kp[2], group_size_, bits_, "affine", dtype_),
          mx::dequantize(vp[0], vp[1], vp[2], group_size_, bits_, "affine", dtype_)};
}

std::vector<array> QuantizedKVCache::state() const {
  if (keys_.empty()) {
    return {};
  }
  auto out = prefix(keys_, offset_);
  for (auto& v : prefix(values_, offset_)) {
    out.push_back(v);
  }
  return out;
}

void QuantizedKVCache::set_state(const std::vector<array>& state, int offset) {
  if (state.size() != 6) {
    throw std::invalid_argument("A quantized KV cache state has six arrays.");
  }
  keys_ = {state[0], state[1], state[2]};
  values_ = {state[3], state[4], state[5]};
  dtype_ = state[1].dtype();
  offset_ = offset;
}

void QuantizedKVCache::trim(int n) {
  offset_ -= std::min(n, offset_);
}

std::pair<array, array> RotatingKVCache::update_and_fetch(const array& keys, const array& values) {
  // Kept in temporal order: append, then drop the oldest tokens beyond the window (after the
  // `keep` first ones). A multi-token update returns the whole appended window so that every
  // new query sees its full history; the model's mask limits each query to the window.
  if (!keys_) {
    keys_ = keys;
    values_ = values;
  } else {
    keys_ = mx::concatenate({*keys_, keys}, 2);
    values_ = mx::concatenate({*values_, values}, 2);
  }
  offset_ += keys.shape(2);
  auto fetched = std::pair{*keys_, *values_};
  int length = keys_->shape(2);
  if (length > max_size_ + margin_) {
    int drop = length - max_size_ - margin_;
    auto trim_axis = [&](const array& a) {
      int B = a.shape(0), H = a.shape(1), D = a.shape(3);
      auto tail = mx::slice(a, {0, 0, keep_ + drop, 0}, {B, H, length, D});
      if (keep_ == 0) {
        return mx::contiguous(tail);
      }
      return mx::concatenate({mx::slice(a, {0, 0, 0, 0}, {B, H, keep_, D}), tail}, 2);
    };
    keys_ = trim_axis(*keys_);
    values_ = trim_axis(*values_);
  }
  return fetched;
}

std::vector<array> RotatingKVCache::state() const {
  if (!keys_) {
    return {};
  }
  return {*keys_, *values_};
}

void RotatingKVCache::set_state(const std::vector<array>& state, int offset) {
  if (state.size() != 2) {
    throw std::invalid_argument("A rotating KV cache state has keys and values.");
  }
  keys_ = state[0];
  values_ = state[1];
  offset_ = offset;
}

bool RotatingKVCache::can_trim(int n) const {
  // Exact while what remains still holds the whole window of the shorter sequence.
  int stored = keys_ ? keys_->shape(2) : 0;
  return n <= stored && stored - n >= std::min(offset_ - n, max_size_);
}

void RotatingKVCache::trim(int n) {
  if (!keys_ || n <= 0) {
    return;
  }
  n = std::min(n, keys_->shape(2));
  int B = keys_->shape(0), H = keys_->shape(1);
  keys_ = mx::slice(*keys_, {0, 0, 0, 0}, {B, H, keys_->shape(2) - n, keys_->shape(3)});
  values_ = mx::slice(*values_, {0, 0, 0, 0}, {B, H, values_->shape(2) - n, values_->shape(3)});
  offset_ -= n;
}

void maybe_quantize_cache(Cache& cache, int bits, int group_size, int start) {
  if (bits == 0 || cache.empty() || cache[0]->offset() <= start) {
    return;
  }
  for (auto& c : cache) {
    if (auto* standard = dynamic_cast<StandardKVCache*>(c.get())) {
      c = standard->to_quantized(group_size, bits);
    }
  }
}

} // namespace mlxcpp::lm
