// mlx::core::random: keys, bits, and the distributions built on them. Each distribution follows
// MLX's recipe step by step (same bits, same float operations in the same order), so a key gives
// the numbers MLX gives.
#include "mlx/random.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>

#include "core/ops/ops_common.h"
#include "core/primitives/random.h"

namespace mlx::core::random {

namespace {

// Guards every KeySequence's key, so that threads drawing from the default sequence each get a
// distinct key.
std::mutex& key_sequence_mutex() {
  static std::mutex mutex;
  return mutex;
}

void check_key(const char* op, const array& key) {
  if (key.dtype() != uint32) {
    throw op_error(op, "Expected key type uint32 but received ", key.dtype(), ".");
  }
  if (key.shape() != Shape{2}) {
    throw op_error(op, "Expected key shape (2) but received ", key.shape(), ".");
  }
}

array next_key(const std::optional<array>& key) {
  return key ? *key : KeySequence::default_().next();
}

// Whether an array of shape `from` broadcasts to exactly `to`.
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) {
    return false;
  }
  size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] != 1 && from[i] != to[lead + i]) {
      return false;
    }
  }
  return true;
}

// Checks that parameters of shape `param_shape` broadcast to the requested `shape`.
void check_broadcast(const char* op, const Shape& shape, const Shape& param_shape) {
  if (!broadcasts_to(param_shape, shape)) {
    throw op_error(op, "Cannot generate random values of shape ", shape,
                   " from parameters of shape ", param_shape, ".");
  }
}

// The largest value below 1 of a 16-bit float type: 1.0 with its bit pattern decremented.
template <typename T>
float below_one() {
  T one(1.0f);
  return static_cast<float>(T::from_bits(one.bits_ - 1));
}

// uniform on [nextafter(-1, 0), 1) as float32: the input of the inverse-CDF samplers.
array symmetric_uniform(const Shape& shape, const std::optional<array>& key, Stream s) {
  auto low = array(std::nextafter(-1.0f, 0.0f), float32);
  auto high = array(1.0f, float32);
  return uniform(low, high, shape, float32, key, s);
}

// Complex normal samples: real and imaginary parts each of variance 1/2, so E|z|^2 = 1.
array complex_normal(Shape shape, const std::optional<array>& loc,
                     const std::optional<array>& scale, const std::optional<array>& key, Stream s) {
  shape.push_back(2);
  auto samples = erfinv(symmetric_uniform(shape, key, s), s);
  samples = squeeze(view(samples, complex64, s), -1, s);
  if (scale) {
    samples = multiply(*scale, samples, s);
  }
  if (loc) {
    samples = add(*loc, samples, s);
  }
  return samples;
}

int categorical_axis(int axis, int ndim) {
  int ax = axis < 0 ? axis + ndim : axis;
  if (ax < 0 || ax >= ndim) {
    throw op_error("categorical", "Invalid axis ", axis, " for logits with ", ndim, " dimensions.");
  }
  return ax;
}

// Gumbel-max sampling: argmax over the category axis of logits plus Gumbel noise, the noise
// having the category axis inserted into `shape` where it lines up with the logits' axis.
array categorical_impl(const array& logits, int axis, const Shape& shape,
                       const std::optional<array>& key, Stream s) {
  auto gumbel_shape = shape;
  int offset = axis + static_cast<int>(shape.size()) - static_cast<int>(logits.ndim()) + 1;
  gumbel_shape.insert(gumbel_shape.begin() + offset, logits.shape(axis));
  auto g = gumbel(gumbel_shape, float32, key, s);
  return argmax(add(g, logits, s), offset, false, s);
}

} // namespace

KeySequence::KeySequence(uint64_t seed) : key_(key(seed)) {}

void KeySequence::seed(uint64_t seed) {
  std::lock_guard lock(key_sequence_mutex());
  key_ = key(seed);
}

array KeySequence::next() {
  std::lock_guard lock(key_sequence_mutex());
  auto [next, subkey] = random::split(key_);
  key_ = next;
  return subkey;
}

KeySequence& KeySequence::default_() {
  // Seeded from the clock in milliseconds, as MLX seeds its default sequence.
  static KeySequence sequence(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()));
  return sequence;
}

array key(uint64_t seed) {
  auto k1 = static_cast<uint32_t>(seed >> 32);
  auto k2 = static_cast<uint32_t>(seed);
  return array({k1, k2});
}

void seed(uint64_t seed) {
  KeySequence::default_().seed(seed);
}

array bits(const Shape& shape, int width, const std::optional<array>& key_, StreamOrDevice s) {
  Dtype dtype = uint32;
  switch (width) {
  case 4:
    dtype = uint32;
    break;
  case 2:
    dtype = uint16;
    break;
  case 1:
    dtype = uint8;
    break;
  default:
    throw op_error("bits", "Bit width must be in {1, 2, 4} but got ", width, ".");
  }
  for (auto dim : shape) {
    if (dim < 0) {
      throw op_error("bits", "Negative dimensions are not allowed, got shape ", shape, ".");
    }
  }
  auto key = next_key(key_);
  check_key("bits", key);
  return array(shape, dtype, std::make_shared<RandomBits>(to_stream(s), shape, width), {key});
}

std::pair<array, array> split(const array& key, StreamOrDevice s) {
  auto stream = to_stream(s);
  auto halves = mlx::core::split(random::split(key, 2, stream), 2, stream);
  return {reshape(halves[0], {2}, stream), reshape(halves[1], {2}, stream)};
}

array split(const array& key, int num, StreamOrDevice s) {
  if (num < 0) {
    throw op_error("split", "Cannot split a key into ", num, " keys.");
  }
  return bits({num, 2}, 4, key, s);
}

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!issubdtype(dtype, floating)) {
    throw op_error("uniform", "Can only generate uniform numbers with real floating point type.");
  }
  auto stream = to_stream(s);
  auto lo = astype(low, dtype, stream);
  auto hi = astype(high, dtype, stream);
  auto range = subtract(hi, lo, stream);
  check_broadcast("uniform", shape, range.shape());

  // Samples must lie in [low, high): clamp bits / (2^32 - 1) to the largest value below one
  // that the target type holds. float64 (our extension; MLX has it on the GPU neither) uses
  // float32's bound, the samples being float32 values.
  float upper = std::nextafter(1.0f, 0.0f);
  if (dtype == float16) {
    upper = below_one<float16_t>();
  } else if (dtype == bfloat16) {
    upper = below_one<bfloat16_t>();
  }
  auto maxval = array(std::numeric_limits<uint32_t>::max(), float32);
  auto out = divide(bits(shape, 4, key, stream), maxval, stream);
  out = astype(minimum(out, array(upper, float32), stream), dtype, stream);
  return add(multiply(range, out, stream), lo, stream);
}

array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(array(0.0, dtype), array(1.0, dtype), shape, dtype, key, to_stream(s));
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key, StreamOrDevice s) {
  auto stream = to_stream(s);
  if (dtype == complex64) {
    return complex_normal(shape, loc, scale, key, stream);
  }
  if (!issubdtype(dtype, floating)) {
    throw op_error("normal", "Can only generate normal numbers with floating point type.");
  }
  // Inverse CDF: sqrt(2) * erfinv(u) for u uniform on (-1, 1).
  auto samples = symmetric_uniform(shape, key, stream);
  auto applied_scale = array(std::sqrt(2.0), dtype);
  if (scale) {
    applied_scale = multiply(applied_scale, astype(*scale, dtype, stream), stream);
  }
  samples = astype(erfinv(samples, stream), dtype, stream);
  samples = multiply(applied_scale, samples, stream);
  if (loc) {
    samples = add(astype(*loc, dtype, stream), samples, stream);
  }
  return samples;
}

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (issubdtype(dtype, inexact)) {
    throw op_error("randint", "randint only accepts integer dtypes and bool.");
  }
  auto stream = to_stream(s);
  // Sampled in integer space (raw bits modulo the width) rather than through a float32 draw,
  // which cannot hit every integer once |low| or |high| passes 2^24 (MLX made the same change).
  auto lo = astype(low, int64, stream);
  auto hi = astype(high, int64, stream);
  auto range = subtract(hi, lo, stream);
  check_broadcast("randint", shape, range.shape());
  // The width of a wide int64 interval wraps negative in int64, but its bit pattern is the
  // right unsigned width. Emptiness is decided in the output's own signedness, where the
  // bounds compare exactly.
  auto cmp_dtype = issubdtype(dtype, unsignedinteger) ? uint64 : int64;
  auto empty = less_equal(astype(high, cmp_dtype, stream), astype(low, cmp_dtype, stream), stream);
  auto safe_range = where(empty, array(uint64_t{1}, uint64), astype(range, uint64, stream), stream);

  array raw(0);
  if (dtype == int64 || dtype == uint64) {
    // 64-bit outputs need 64 bits of entropy: two draws from two distinct keys.
    array lo_bits(0);
    array hi_bits(0);
    if (key) {
      auto [k1, k2] = random::split(*key, stream);
      lo_bits = bits(shape, 4, k1, stream);
      hi_bits = bits(shape, 4, k2, stream);
    } else {
      lo_bits = bits(shape, 4, std::nullopt, stream);
      hi_bits = bits(shape, 4, std::nullopt, stream);
    }
    raw =
        bitwise_or(left_shift(astype(hi_bits, uint64, stream), array(uint64_t{32}, uint64), stream),
                   astype(lo_bits, uint64, stream), stream);
  } else {
    raw = astype(bits(shape, 4, key, stream), uint64, stream);
  }
  auto offset = remainder(raw, safe_range, stream);
  // Added in uint64 so that full-width intervals wrap instead of overflowing; the bit pattern
  // is the value once cast to the (possibly signed) output type.
  return astype(add(astype(lo, uint64, stream), offset, stream), dtype, stream);
}

array bernoulli(const array& p, const Shape& shape, const std::optional<array>& key,
                StreamOrDevice s) {
  if (!issubdtype(p.dtype(), floating)) {
    throw op_error("bernoulli", "bernoulli probability `p` must be a float type.");
  }
  if (!broadcasts_to(p.shape(), shape)) {
    throw op_error("bernoulli", "shape of `p` is incompatible with argument `shape`.");
  }
  // p scaled to [0, next float above 2^32 - 1], so that p >= 1 gives all true and p <= 0 all
  // false.
  auto upper = array(std::nextafter(static_cast<float>(std::numeric_limits<uint32_t>::max()),
                                    std::numeric_limits<float>::max()),
                     float32);
  return less(bits(shape, 4, key, s), multiply(p, upper, s), s);
}

array bernoulli(const array& p, const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(p, p.shape(), key, s);
}

array bernoulli(const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(array(0.5f), key, s);
}

array truncated_normal(const array& lower, const array& upper, const Shape& shape, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  if (!issubdtype(dtype, floating)) {
    throw op_error("truncated_normal", "truncated_normal only accepts floating point dtypes.");
  }
  // Inverse CDF restricted to [erf(lower / sqrt 2), erf(upper / sqrt 2)], as JAX does.
  auto sqrt2 = array(std::sqrt(2.0), dtype);
  auto lower_t = astype(lower, dtype, s);
  auto upper_t = astype(upper, dtype, s);
  auto a = erf(divide(lower_t, sqrt2, s), s);
  auto b = erf(divide(upper_t, sqrt2, s), s);
  auto u = uniform(a, b, shape, dtype, key, s);
  auto out = multiply(sqrt2, erfinv(u, s), s);
  // Rounding can step just outside the bounds: clip.
  return maximum(minimum(upper_t, out, s), lower_t, s);
}

array truncated_normal(const array& lower, const array& upper, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  auto shape = broadcast_shapes(lower.shape(), upper.shape());
  return truncated_normal(lower, upper, shape, dtype, key, s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return negative(log(negative(log(uniform(shape, dtype, key, s), s), s), s), s);
}

array categorical(const array& logits, int axis, const Shape& shape,
                  const std::optional<array>& key, StreamOrDevice s) {
  axis = categorical_axis(axis, logits.ndim());
  auto reduced_shape = logits.shape();
  reduced_shape.erase(reduced_shape.begin() + axis);
  if (!broadcasts_to(reduced_shape, shape)) {
    throw op_error("categorical", "Requested shape ", shape,
                   " is not broadcast compatible with reduced logits shape ", reduced_shape, ".");
  }
  return categorical_impl(logits, axis, shape, key, to_stream(s));
}

array categorical(const array& logits_, int axis, int num_samples, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = categorical_axis(axis, logits_.ndim());
  if (num_samples < 0) {
    throw op_error("categorical", "Number of samples must be non-negative, got ", num_samples, ".");
  }
  auto stream = to_stream(s);
  auto logits = expand_dims(logits_, -1, stream);
  auto shape = logits.shape();
  shape.erase(shape.begin() + axis);
  shape.back() = num_samples;
  return categorical_impl(logits, axis, shape, key, stream);
}

array categorical(const array& logits, int axis, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = categorical_axis(axis, logits.ndim());
  auto shape = logits.shape();
  shape.erase(shape.begin() + axis);
  return categorical_impl(logits, axis, shape, key, to_stream(s));
}

array laplace(const Shape& shape, Dtype dtype, const float loc, const float scale,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!issubdtype(dtype, floating)) {
    throw op_error("laplace", "Can only generate laplace numbers with real floating point type.");
  }
  auto stream = to_stream(s);
  // Inverse CDF: sign(u) * log1p(-|u|) for u uniform on (-1, 1).
  auto samples = symmetric_uniform(shape, key, stream);
  samples =
      multiply(sign(samples, stream),
               log1p(multiply(array(-1.0f, dtype), abs(samples, stream), stream), stream), stream);
  samples = astype(samples, dtype, stream);
  if (scale != 1.0) {
    samples = multiply(array(scale, dtype), samples, stream);
  }
  if (loc != 0.0) {
    samples = add(array(loc, dtype), samples, stream);
  }
  return samples;
}

array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  int ax = normalize_axis("permutation", axis, x.ndim());
  return take(x, permutation(x.shape(ax), key, s), ax, s);
}

array permutation(int x, const std::optional<array>& key, StreamOrDevice s) {
  if (x < 0) {
    throw op_error("permutation", "Cannot permute a negative number of elements (", x, ").");
  }
  // The order of random keys is a uniformly random permutation (ties, of probability about
  // x^2 / 2^33, keep index order).
  return argsort(bits({x}, key, s), s);
}

} // namespace mlx::core::random
