#include "mlxcpp/nn/rope.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "mlx/fast.h"
#include "mlx/ops.h"

namespace mlxcpp::nn {

namespace mx = mlx::core;

namespace {

std::vector<double> default_inverse_frequencies(int dims, double base) {
  std::vector<double> inv(dims / 2);
  for (int i = 0; i < dims / 2; ++i) {
    inv[i] = std::pow(base, -2.0 * i / dims);
  }
  return inv;
}

array frequencies_from_inverse(const std::vector<double>& inv) {
  std::vector<float> freqs(inv.size());
  for (size_t i = 0; i < inv.size(); ++i) {
    freqs[i] = static_cast<float>(1.0 / inv[i]);
  }
  return array(freqs.begin(), {static_cast<int>(freqs.size())}, mx::float32);
}

// HF's _compute_llama3_parameters: long wavelengths are slowed by `factor`, short ones kept,
// a smooth blend in between.
std::vector<double> llama3_inverse_frequencies(const RopeConfig& c) {
  auto inv = default_inverse_frequencies(c.dims, c.base);
  double orig = c.original_max_position_embeddings;
  double low_wavelen = orig / c.low_freq_factor;
  double high_wavelen = orig / c.high_freq_factor;
  for (auto& f : inv) {
    double wavelen = 2 * std::numbers::pi / f;
    if (wavelen > low_wavelen) {
      f = f / c.factor;
    } else if (wavelen >= high_wavelen) {
      double smooth =
          (orig / wavelen - c.low_freq_factor) / (c.high_freq_factor - c.low_freq_factor);
      f = (1 - smooth) * f / c.factor + smooth * f;
    }
  }
  return inv;
}

double yarn_get_mscale(double scale, double mscale) {
  return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

// HF's _compute_yarn_parameters: interpolated and extrapolated frequencies blended by a linear
// ramp over the dimensions between the beta_fast and beta_slow rotation counts.
std::vector<double> yarn_inverse_frequencies(const RopeConfig& c) {
  int dims = c.dims;
  double base = c.base;
  double orig = c.original_max_position_embeddings > 0 ? c.original_max_position_embeddings
                                                       : c.max_position_embeddings;
  auto correction_dim = [&](double rotations) {
    return dims * std::log(orig / (rotations * 2 * std::numbers::pi)) / (2 * std::log(base));
  };
  double low = std::max(std::floor(correction_dim(c.beta_fast)), 0.0);
  double high = std::min(std::ceil(correction_dim(c.beta_slow)), static_cast<double>(dims - 1));
  if (low == high) {
    high += 0.001; // avoid a zero-width ramp
  }
  auto extrapolation = default_inverse_frequencies(dims, base);
  std::vector<double> inv(dims / 2);
  for (int i = 0; i < dims / 2; ++i) {
    double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    double extrapolation_factor = 1 - ramp;
    double interpolation = extrapolation[i] / c.factor;
    inv[i] = interpolation * (1 - extrapolation_factor) + extrapolation[i] * extrapolation_factor;
  }
  return inv;
}

std::vector<double> longrope_inverse_frequencies(const RopeConfig& c,
                                                 const std::vector<float>& ext) {
  if (static_cast<int>(ext.size()) != c.dims / 2) {
    throw std::invalid_argument(
        "longrope factors must have rotary_dims / 2 = " + std::to_string(c.dims / 2) + " entries.");
  }
  auto inv = default_inverse_frequencies(c.dims, c.base);
  for (size_t i = 0; i < inv.size(); ++i) {
    inv[i] /= ext[i];
  }
  return inv;
}

} // namespace

RoPE::RoPE(RopeConfig config) : config_(std::move(config)) {
  auto& c = config_;
  if (c.dims <= 0 || c.dims % 2 != 0) {
    throw std::invalid_argument("Rotary dimensions must be even and positive, got " +
                                std::to_string(c.dims) + ".");
  }
  if (c.type == "default" || c.type == "dynamic") {
    // dynamic NTK only differs beyond max_position_embeddings; handled per call.
  } else if (c.type == "linear") {
    scale_ = 1.0f / c.factor;
  } else if (c.type == "llama3") {
    freqs_ = frequencies_from_inverse(llama3_inverse_frequencies(c));
  } else if (c.type == "yarn") {
    freqs_ = frequencies_from_inverse(yarn_inverse_frequencies(c));
    if (c.attention_factor) {
      attention_scale_ = *c.attention_factor;
    } else if (c.mscale && c.mscale_all_dim) {
      attention_scale_ = static_cast<float>(yarn_get_mscale(c.factor, *c.mscale) /
                                            yarn_get_mscale(c.factor, *c.mscale_all_dim));
    } else {
      attention_scale_ = static_cast<float>(yarn_get_mscale(c.factor, 1.0));
    }
  } else if (c.type == "longrope") {
    freqs_ = frequencies_from_inverse(longrope_inverse_frequencies(c, c.short_factor));
    long_freqs_ = frequencies_from_inverse(longrope_inverse_frequencies(c, c.long_factor));
    if (c.attention_factor) {
      attention_scale_ = *c.attention_factor;
    } else {
      double factor =
          static_cast<double>(c.max_position_embeddings) / c.original_max_position_embeddings;
      attention_scale_ =
          factor <= 1 ? 1.0f
                      : static_cast<float>(std::sqrt(
                            1 + std::log(factor) / std::log(c.original_max_position_embeddings)));
    }
  } else {
    throw std::invalid_argument("Unsupported rope scaling type \"" + c.type + "\".");
  }
}

array RoPE::operator()(const array& x, int offset) const {
  const auto& c = config_;
  int L = x.shape(-2);
  if (c.type == "dynamic" && c.max_position_embeddings > 0 &&
      offset + L > c.max_position_embeddings) {
    double seq = offset + L;
    double base = c.base * std::pow(c.factor * seq / c.max_position_embeddings - (c.factor - 1),
                                    static_cast<double>(c.dims) / (c.dims - 2));
    return mx::fast::rope(x, c.dims, c.traditional, static_cast<float>(base), 1.0f, offset);
  }
  const std::optional<array>* freqs = &freqs_;
  if (long_freqs_ && offset + L > c.original_max_position_embeddings) {
    freqs = &long_freqs_;
  }
  std::optional<float> base = freqs->has_value() ? std::nullopt : std::optional<float>(c.base);
  if (attention_scale_ == 1.0f) {
    return mx::fast::rope(x, c.dims, c.traditional, base, scale_, offset, *freqs);
  }
  // The magnitude correction applies to the rotated features only.
  int head_dim = x.shape(-1);
  auto scale = mx::array(attention_scale_, x.dtype());
  if (c.dims == head_dim) {
    return mx::multiply(mx::fast::rope(x, c.dims, c.traditional, base, scale_, offset, *freqs),
                        scale);
  }
  auto parts = mx::split(x, mx::Shape{c.dims}, -1);
  auto rotated = mx::multiply(
      mx::fast::rope(parts[0], c.dims, c.traditional, base, scale_, offset, *freqs), scale);
  return mx::concatenate({rotated, parts[1]}, -1);
}

} // namespace mlxcpp::nn
