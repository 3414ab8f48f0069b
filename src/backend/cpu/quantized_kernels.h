// The CPU kernels behind quantized_matmul, gather_qmm and dequantize, compiled once per
// instruction set (quantized_isa.cpp) and chosen at run time by CPUID.
//
// Matrix-vector products (decode) are memory bound: the kernels read each packed byte once
// and spend as few instructions per weight as they can. Activations are quantized per weight
// group to integers, int16 (scale max|x| / 32767) or, for bfloat16 inputs, int8 (max|x| / 127),
// so the inner loop is integer multiply-adds (vpdpwssd / vpdpbusd / vpmaddwd) on codes
// unpacked straight from the packed bytes. Per group,
//   sum_i w_i x_i = scale_w * scale_x * sum_i q_i xq_i + bias_w * sum_i x_i
// with the last sum taken over the exact activations.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace mlx::core::cpu::quant {

enum class ScaleType { float32, float16, bfloat16 };

// One matrix of packed rows: row r holds `cols` codes of `bits` bits (MLX's layout) starting
// at byte r * row_bytes(), and cols / group_size scales and biases at element r * groups().
struct PackedMatrix {
  const uint8_t* w;
  const void* scales;
  const void* biases;
  ScaleType scale_type;
  int64_t rows;
  int cols;
  int bits;
  int group_size;

  int64_t row_bytes() const { return int64_t{cols} * bits / 8; }
  int groups() const { return cols / group_size; }
};

// Activation rows quantized per group of the weight's groups, to int16 (q) or int8 (q8, the
// other null), in the layout the chosen kernels read (see store_in_layout). scale/sum rows are
// padded with zeros to a multiple of 16 groups; code rows with zeros to padded_cols.
struct QuantizedRows {
  const int16_t* q;
  const int8_t* q8;
  const float* scale;
  const float* sum;
  int64_t padded_cols;
  int64_t padded_groups;
  int rows;
};

inline constexpr int kMaxQmvRows = 4;

struct Kernels {
  const char* name;
  // Packed bytes per step of the power-of-two-bits kernels on int16 activations (0: they read
  // codes in order), and on int8 activations (0: no int8 kernels).
  int step_bytes;
  int int8_step_bytes;
  // out[m * ldo + n] = x[m] . dequantize(w[n]) for n in [n0, n1), m < x.rows <= kMaxQmvRows.
  void (*qmv)(const PackedMatrix& w, const QuantizedRows& x, int64_t n0, int64_t n1, float* out,
              int64_t ldo);
  // Columns [c0, c1) of row r (multiples of the group size) as float: code * scale + bias.
  // With mlx_rounding, the product and then the sum are each rounded to the scales' dtype, as
  // MLX's dequantize computes; without, both stay in float (as MLX's matmul kernels do).
  void (*dequantize)(const PackedMatrix& w, int64_t r, int c0, int c1, float* out,
                     bool mlx_rounding);
  // a[0..n) . b[0..n) in float, vectorized for this instruction set (float32 activations dot
  // dequantized rows with it).
  float (*dot)(const float* a, const float* b, int64_t n);
};

// Code i of a packed row: bits [i*bits, (i+1)*bits) of the little-endian stream.
inline int packed_code(const uint8_t* row, int64_t i, int bits) {
  int64_t bit = i * bits;
  int shift = static_cast<int>(bit & 7);
  uint32_t window = row[bit >> 3];
  if (shift + bits > 8) {
    window |= uint32_t{row[(bit >> 3) + 1]} << 8;
  }
  return static_cast<int>((window >> shift) & ((1u << bits) - 1));
}

// Stores a row of activations (one per code, in order) in the layout the kernels with this
// step read: sub-vector k of a step holds code k of every byte of the step, so activation
// i * per_byte + k of a step goes to k * step_bytes + i.
template <typename T>
void store_in_layout(const T* src, int64_t cols, int bits, int step_bytes, T* dst) {
  if (step_bytes == 0 || (bits != 2 && bits != 4)) {
    std::copy(src, src + cols, dst);
    return;
  }
  int per_byte = 8 / bits;
  int64_t step_codes = int64_t{step_bytes} * per_byte;
  for (int64_t base = 0; base < cols; base += step_codes) {
    for (int i = 0; i < step_bytes; ++i) {
      for (int k = 0; k < per_byte; ++k) {
        int64_t j = int64_t{i} * per_byte + k;
        if (base + j < cols) {
          dst[base + int64_t{k} * step_bytes + i] = src[base + j];
        }
      }
    }
  }
}

// Activation rows are padded to whole steps of any kernel (256 codes covers them all).
inline int64_t padded_cols(int64_t cols) {
  return (cols + 255) / 256 * 256;
}

// The kernels in use: the best this CPU runs (AVX-512 with VNNI, AVX2, or portable C++).
const Kernels& kernels();

// Every instruction set this CPU runs, best first; tests switch between them with use_kernels.
std::vector<const Kernels*> supported_kernels();
void use_kernels(const Kernels& k);

} // namespace mlx::core::cpu::quant

namespace mlx::core::cpu {
namespace isa_baseline {
const quant::Kernels& quant_kernels();
}
namespace isa_avx2 {
const quant::Kernels& quant_kernels();
}
namespace isa_avx512 {
const quant::Kernels& quant_kernels();
}
} // namespace mlx::core::cpu
