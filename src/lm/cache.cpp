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
  keys_ = mx::slice_update(*keys_, keys, mx::Shape{0, 0, offset_, 0}, mx::Shape{B, H, offset_ + L, Dk});
  values_ = mx::slice_update(*values_, values, mx::Shape{0, 0, offset_, 0}, mx::Shape{B, H, offset_ + L, Dv});
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

void StandardKVCache::trim(int n) { offset_ -= std::min(n, offset_); }

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
  if (length > max_size_) {
    int drop = length - max_size_;
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

} // namespace mlxcpp::lm
