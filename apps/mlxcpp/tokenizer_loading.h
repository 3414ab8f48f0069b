// Loading a model folder's tokenizer for the tokenizer subcommands, with user-facing errors.
#pragma once

#include <filesystem>
#include <string>

#include "command.h"
#include "mlxcpp/tokenizer/pretrained.h"

namespace mlxcpp::cli {

inline tokenizer::PretrainedTokenizer load_pretrained(const std::string& dir) {
  try {
    return tokenizer::PretrainedTokenizer::from_dir(dir);
  } catch (const std::exception& e) {
    throw CommandError(e.what());
  }
}

inline tokenizer::Tokenizer load_tokenizer(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw CommandError("model folder not found: " + dir);
  }
  try {
    return tokenizer::Tokenizer::from_file(std::filesystem::path(dir) / "tokenizer.json");
  } catch (const std::exception& e) {
    throw CommandError(e.what());
  }
}

} // namespace mlxcpp::cli
