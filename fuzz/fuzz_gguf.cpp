// libFuzzer target: the GGUF parser, loader and block decoders.
#include "core/io/loaders.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto [arrays, metadata] =
        mlx::core::io::detail::load_gguf_bytes(fuzz::bytes_of(data, size), {}, "fuzz");
    for (auto& [name, a] : arrays) {
      fuzz::touch(a);
    }
    for (auto& [key, value] : metadata) {
      if (auto a = std::get_if<mlx::core::array>(&value)) {
        fuzz::touch(*a);
      }
    }
  } catch (const std::runtime_error&) {
    // A rejected file (or a quantized block with no exact affine form, found on evaluation).
  }
  return 0;
}
