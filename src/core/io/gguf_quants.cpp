#include "core/io/gguf_quants.h"

#include <cmath>
#include <cstring>

namespace mlx::core::io::detail {

namespace {

float half_at(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return float16_t::from_bits(bits);
}

float16_t half_bits_at(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return float16_t::from_bits(bits);
}

void put_half(uint8_t* p, float16_t h) {
  std::memcpy(p, &h.bits_, 2);
}

// The 32 values of a block, q[i] for element i, from nibbles (element j in the low nibble of
// byte j, element j + 16 in its high nibble) and, for 5 bits, a 32-bit mask of fifth bits.
void values_from_nibbles(const uint8_t* qs, uint32_t high_bits, uint8_t* q) {
  for (int j = 0; j < 16; ++j) {
    q[j] = static_cast<uint8_t>((qs[j] & 0xf) | (((high_bits >> j) & 1) << 4));
    q[j + 16] = static_cast<uint8_t>((qs[j] >> 4) | (((high_bits >> (j + 16)) & 1) << 4));
  }
}

void nibbles_from_values(const uint8_t* q, uint8_t* qs, uint32_t& high_bits) {
  high_bits = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0xf) | ((q[j + 16] & 0xf) << 4));
    high_bits |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    high_bits |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
  }
}

// MLX's packing: value i occupies bits [i*bits, (i+1)*bits) of the little-endian word stream.
void pack_words(const uint8_t* q, int bits, uint32_t* words) {
  uint64_t acc = 0;
  int filled = 0;
  for (int i = 0; i < gguf_group_size; ++i) {
    acc |= static_cast<uint64_t>(q[i]) << filled;
    filled += bits;
    if (filled >= 32) {
      *words++ = static_cast<uint32_t>(acc);
      acc >>= 32;
      filled -= 32;
    }
  }
}

void unpack_words(const uint32_t* words, int bits, uint8_t* q) {
  uint64_t acc = 0;
  int filled = 0;
  uint64_t mask = (uint64_t{1} << bits) - 1;
  for (int i = 0; i < gguf_group_size; ++i) {
    if (filled < bits) {
      acc |= static_cast<uint64_t>(*words++) << filled;
      filled += 32;
    }
    q[i] = static_cast<uint8_t>(acc & mask);
    acc >>= bits;
    filled -= bits;
  }
}

// A bias of `factor` * d in float16; false when it overflows though d is finite.
bool scaled_bias(float d, float factor, float16_t& bias) {
  bias = float16_t(factor * d);
  return !(std::isinf(static_cast<float>(bias)) && std::isfinite(d));
}

// Q4_K and Q5_K pack eight 6-bit scales and eight 6-bit mins into 12 bytes.
void scale_min_k4(int j, const uint8_t* s, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = s[j] & 63;
    min = s[j + 4] & 63;
  } else {
    scale = static_cast<uint8_t>((s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4));
    min = static_cast<uint8_t>((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

// block_q2_K: scales[16] (low nibble scale, high nibble min), qs[64], d, dmin.
void dequantize_q2_k(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* q = b + 16;
  float d = half_at(b + 80);
  float dmin = half_at(b + 82);
  int is = 0;
  for (int half = 0; half < 2; ++half, q += 32) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int part = 0; part < 2; ++part) {
        uint8_t sc = scales[is++];
        float dl = d * (sc & 0xf);
        float ml = dmin * (sc >> 4);
        for (int l = 0; l < 16; ++l) {
          *y++ = dl * static_cast<int8_t>((q[l + 16 * part] >> shift) & 3) - ml;
        }
      }
    }
  }
}

// block_q3_K: hmask[32], qs[64], scales[12] (sixteen 6-bit values, offset by 32), d.
void dequantize_q3_k(const uint8_t* b, float* y) {
  const uint8_t* hmask = b;
  const uint8_t* q = b + 32;
  const uint8_t* packed = b + 96;
  float d = half_at(b + 108);
  int8_t scales[16];
  for (int k = 0; k < 16; ++k) {
    int low = k < 8 ? packed[k] & 0xf : packed[k - 8] >> 4;
    int high = (packed[8 + k % 4] >> (2 * (k / 4))) & 3;
    scales[k] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
  int is = 0;
  uint8_t m = 1;
  for (int half = 0; half < 2; ++half, q += 32) {
    for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
      for (int part = 0; part < 2; ++part) {
        float dl = d * scales[is++];
        for (int l = 0; l < 16; ++l) {
          int idx = l + 16 * part;
          int value = static_cast<int8_t>((q[idx] >> shift) & 3) - ((hmask[idx] & m) ? 0 : 4);
          *y++ = dl * value;
        }
      }
    }
  }
}

// block_q4_K: d, dmin, scales[12], qs[128].
void dequantize_q4_k(const uint8_t* b, float* y) {
  float d = half_at(b);
  float dmin = half_at(b + 2);
  const uint8_t* s = b + 4;
  const uint8_t* q = b + 16;
  for (int is = 0; is < 8; is += 2, q += 32) {
    uint8_t sc, m;
    scale_min_k4(is, s, sc, m);
    float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, s, sc, m);
    float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) {
      *y++ = d1 * (q[l] & 0xf) - m1;
    }
    for (int l = 0; l < 32; ++l) {
      *y++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

// block_q5_K: d, dmin, scales[12], qh[32], qs[128].
void dequantize_q5_k(const uint8_t* b, float* y) {
  float d = half_at(b);
  float dmin = half_at(b + 2);
  const uint8_t* s = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* ql = b + 48;
  uint8_t u1 = 1, u2 = 2;
  for (int is = 0; is < 8; is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
    uint8_t sc, m;
    scale_min_k4(is, s, sc, m);
    float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, s, sc, m);
    float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) {
      *y++ = d1 * ((ql[l] & 0xf) + ((qh[l] & u1) ? 16 : 0)) - m1;
    }
    for (int l = 0; l < 32; ++l) {
      *y++ = d2 * ((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
    }
  }
}

// block_q6_K: ql[128], qh[64], scales[16] (int8), d.
void dequantize_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
  float d = half_at(b + 208);
  for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = static_cast<int8_t>((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
      int q2 = static_cast<int8_t>((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = static_cast<int8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = static_cast<int8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      // (d * scale) * q, in this order: the second product can round.
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
  }
}

} // namespace

int affine_bits(GgmlType type) {
  switch (type) {
  case GgmlType::Q4_0:
  case GgmlType::Q4_1:
    return 4;
  case GgmlType::Q5_0:
  case GgmlType::Q5_1:
    return 5;
  case GgmlType::Q8_0:
    return 8;
  default:
    return 0;
  }
}

bool is_k_quant(GgmlType type) {
  return type == GgmlType::Q2_K || type == GgmlType::Q3_K || type == GgmlType::Q4_K ||
         type == GgmlType::Q5_K || type == GgmlType::Q6_K;
}

bool unpack_block(GgmlType type, const uint8_t* b, uint32_t* words, float16_t& scale,
                  float16_t& bias) {
  uint8_t q[gguf_group_size];
  scale = half_bits_at(b);
  float d = scale;
  switch (type) {
  case GgmlType::Q4_0: // d, qs[16]
    values_from_nibbles(b + 2, 0, q);
    pack_words(q, 4, words);
    return scaled_bias(d, -8.0f, bias);
  case GgmlType::Q4_1: // d, m, qs[16]
    values_from_nibbles(b + 4, 0, q);
    pack_words(q, 4, words);
    bias = half_bits_at(b + 2);
    return true;
  case GgmlType::Q5_0: { // d, qh[4], qs[16]
    uint32_t high;
    std::memcpy(&high, b + 2, 4);
    values_from_nibbles(b + 6, high, q);
    pack_words(q, 5, words);
    return scaled_bias(d, -16.0f, bias);
  }
  case GgmlType::Q5_1: { // d, m, qh[4], qs[16]
    uint32_t high;
    std::memcpy(&high, b + 4, 4);
    values_from_nibbles(b + 8, high, q);
    pack_words(q, 5, words);
    bias = half_bits_at(b + 2);
    return true;
  }
  default: // Q8_0: d, int8 qs[32]
    for (int i = 0; i < gguf_group_size; ++i) {
      q[i] = static_cast<uint8_t>(b[2 + i] ^ 0x80); // int8 + 128
    }
    pack_words(q, 8, words);
    return scaled_bias(d, -128.0f, bias);
  }
}

void pack_block(GgmlType type, const uint32_t* words, float16_t scale, float16_t bias, uint8_t* b) {
  uint8_t q[gguf_group_size];
  unpack_words(words, affine_bits(type), q);
  put_half(b, scale);
  uint32_t high;
  switch (type) {
  case GgmlType::Q4_0:
    nibbles_from_values(q, b + 2, high);
    break;
  case GgmlType::Q4_1:
    put_half(b + 2, bias);
    nibbles_from_values(q, b + 4, high);
    break;
  case GgmlType::Q5_0:
    nibbles_from_values(q, b + 6, high);
    std::memcpy(b + 2, &high, 4);
    break;
  case GgmlType::Q5_1:
    put_half(b + 2, bias);
    nibbles_from_values(q, b + 8, high);
    std::memcpy(b + 4, &high, 4);
    break;
  default: // Q8_0
    for (int i = 0; i < gguf_group_size; ++i) {
      b[2 + i] = static_cast<uint8_t>(q[i] ^ 0x80);
    }
  }
}

void dequantize_block(GgmlType type, const uint8_t* block, float* out) {
  switch (type) {
  case GgmlType::Q2_K:
    return dequantize_q2_k(block, out);
  case GgmlType::Q3_K:
    return dequantize_q3_k(block, out);
  case GgmlType::Q4_K:
    return dequantize_q4_k(block, out);
  case GgmlType::Q5_K:
    return dequantize_q5_k(block, out);
  default:
    return dequantize_q6_k(block, out);
  }
}

} // namespace mlx::core::io::detail
