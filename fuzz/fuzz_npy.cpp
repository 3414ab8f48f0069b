// libFuzzer target: the .npy header parser and loader.
#include "core/io/npy.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto bytes = fuzz::bytes_of(data, size);
    fuzz::touch(mlx::core::io::detail::load_npy(bytes, 0, size, bytes->label(), "fuzz", {}));
  } catch (const std::runtime_error&) {
  }
  return 0;
}
