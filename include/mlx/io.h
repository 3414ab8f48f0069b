// Loading and saving arrays: .npy, .safetensors and .gguf as MLX's mlx/io.h, plus .npz and
// header-only inspection (mlxcpp extensions).
//
// Files are memory-mapped: a loaded array reads the file's pages in place, so loading returns
// at once and memory grows only as tensors are used. The mapping is private (copy-on-write), so
// nothing written to a loaded array ever reaches the file. A file that is truncated by another
// process while mapped can still fault on access, as with any memory-mapped loader.
//
// Damaged or hostile files raise std::runtime_error naming the file and the problem; the
// loaders check every size and offset against the file before allocating or reading.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "mlx/array.h"
#include "mlx/io/load.h"
#include "mlx/utils.h"

namespace mlx::core {

using GGUFMetaData = std::variant<std::monostate, array, std::string, std::vector<std::string>>;
using GGUFLoad = std::pair<std::unordered_map<std::string, array>,
                           std::unordered_map<std::string, GGUFMetaData>>;
using SafetensorsLoad =
    std::pair<std::unordered_map<std::string, array>, std::unordered_map<std::string, std::string>>;

/** Save array to out stream in .npy format */
void save(std::shared_ptr<io::Writer> out_stream, array a);

/** Save array to file in .npy format (".npy" is appended when missing) */
void save(std::string file, array a);

/** Load array from reader in .npy format */
array load(std::shared_ptr<io::Reader> in_stream, StreamOrDevice s = {});

/** Load array from file in .npy format */
array load(std::string file, StreamOrDevice s = {});

/** Load array map from .safetensors file format */
SafetensorsLoad load_safetensors(std::shared_ptr<io::Reader> in_stream, StreamOrDevice s = {});
SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice s = {});

void save_safetensors(std::shared_ptr<io::Writer> out_stream,
                      std::unordered_map<std::string, array>,
                      std::unordered_map<std::string, std::string> metadata = {});
/** ".safetensors" is appended to the file name when missing. */
void save_safetensors(std::string file, std::unordered_map<std::string, array>,
                      std::unordered_map<std::string, std::string> metadata = {});

/**
 * Load array map and metadata from .gguf file format.
 *
 * F32, F16, BF16, F64 and integer tensors map the file without copying. Quantized types that
 * MLX's affine quantization represents exactly load as a triple, for a tensor "x.weight":
 * "x.weight" (uint32, values packed low bits first), "x.scales" and "x.biases" (float16), with
 * group size 32 and value = q * scale + bias:
 *   Q4_0 -> 4 bits, bias = -8 * d        Q4_1 -> 4 bits, bias = m
 *   Q5_0 -> 5 bits, bias = -16 * d       Q5_1 -> 5 bits, bias = m
 *   Q8_0 -> 8 bits, q + 128, bias = -128 * d
 * The K-quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) have no exact affine form (sub-block scales are
 * products of two numbers, or groups of 16) and load as float32, bit-identical to ggml's
 * dequantize_row_*. Quantized tensors are unpacked lazily, when first evaluated.
 * Metadata: numbers and booleans become 0-d arrays (float64 as float32, as MLX), strings
 * std::string, arrays 1-d arrays or std::vector<std::string>. The arrays live in host memory
 * (unpacking runs on the CPU whatever `s` names).
 */
GGUFLoad load_gguf(const std::string& file, StreamOrDevice s = {});

/**
 * Save arrays and metadata in .gguf format (".gguf" is appended when missing). Tensor dtypes:
 * float32, float16, bfloat16, float64, int8/16/32/64, at most 4 dimensions. Metadata: strings,
 * lists of strings, and 0-d or 1-d arrays of bool, integer, float32 or float64 type.
 */
void save_gguf(std::string file, std::unordered_map<std::string, array> array_map,
               std::unordered_map<std::string, GGUFMetaData> meta_data = {});

/** mlxcpp extension: a tensor in MLX's affine quantized layout, for save_gguf_quantized. */
struct GGUFQuantized {
  array weight; // uint32, values packed low bits first
  array scales; // float16
  array biases; // float16
  int group_size;
  int bits;
};

/**
 * mlxcpp extension: save_gguf with quantized tensors too, written exactly as ggml blocks (the
 * inverse of load_gguf's unpacking; group size 32, float16 scales and biases): 4 and 5 bits as
 * Q4_0/Q5_0 when every bias is -8 (-16) times its scale, else as Q4_1/Q5_1; 8 bits as Q8_0,
 * which needs every bias to be -128 times its scale.
 */
void save_gguf_quantized(std::string file, std::unordered_map<std::string, array> array_map,
                         std::unordered_map<std::string, GGUFQuantized> quantized,
                         std::unordered_map<std::string, GGUFMetaData> meta_data = {});

/** mlxcpp extension: the arrays of a .npz archive (stored or deflated members), by name. */
std::unordered_map<std::string, array> load_npz(const std::string& file, StreamOrDevice s = {});

/** mlxcpp extension: save arrays as an uncompressed .npz (".npz" is appended when missing). */
void save_npz(std::string file, std::unordered_map<std::string, array> arrays);

/** mlxcpp extension: a tensor as a file stores it, read from the header alone. */
struct StoredTensor {
  std::string name;
  std::string type; // the file's own type name: "BF16", "F8_E4M3", "Q4_K", ...
  Shape shape;      // row-major (GGUF's dimensions reversed)
  uint64_t nbytes;
};

/** mlxcpp extension: the tensors and metadata of a .safetensors file, without loading them. */
std::pair<std::vector<StoredTensor>, std::unordered_map<std::string, std::string>>
inspect_safetensors(const std::string& file);

/** mlxcpp extension: the tensors (of any ggml type) and metadata of a .gguf file. */
std::pair<std::vector<StoredTensor>, std::unordered_map<std::string, GGUFMetaData>>
inspect_gguf(const std::string& file);

} // namespace mlx::core
