// libFuzzer target: the safetensors header parser and loader.
#include "core/io/loaders.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto [arrays, metadata] =
        mlx::core::io::detail::load_safetensors_bytes(fuzz::bytes_of(data, size), "fuzz");
    for (auto& [name, a] : arrays) {
      fuzz::touch(a);
    }
  } catch (const std::runtime_error&) {
    // A rejected file: the expected outcome for most inputs.
  }
  return 0;
}
