// Internal to mlxcpp::io: reading a sharded checkpoint's index.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace mlxcpp::io::detail {

// model.safetensors.index.json's "weight_map": tensor name -> shard path (inside the
// directory). Throws std::runtime_error for invalid JSON or shard names that leave the folder.
std::map<std::string, std::filesystem::path> read_index(const std::filesystem::path& index);

std::string quoted(const std::filesystem::path& path);

} // namespace mlxcpp::io::detail
