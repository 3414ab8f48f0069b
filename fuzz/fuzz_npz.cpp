// libFuzzer target: the ZIP directory reader, inflation and the .npy members of an .npz.
#include "core/io/loaders.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto arrays = mlx::core::io::detail::load_npz_bytes(fuzz::bytes_of(data, size), "fuzz", {});
    for (auto& [name, a] : arrays) {
      fuzz::touch(a);
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
