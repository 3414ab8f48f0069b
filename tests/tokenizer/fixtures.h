// Access to the real tokenizers and their goldens (../shared/fixtures/tokenizers, or the folder
// named by MLXCPP_TOKENIZER_FIXTURES). They are gzip files; each model is unpacked once into a
// model-style temporary folder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mlxcpp::tokenizer::testing {

// The fixture folder, or an empty path when it is absent and MLXCPP_SKIP_REAL_TOKENIZERS=1
// asks to skip. Fails the calling test with a clear message otherwise.
std::filesystem::path real_fixtures_dir();

std::string gunzip_file(const std::filesystem::path& path);
std::string read_file(const std::filesystem::path& path);

// A folder holding tokenizer.json and tokenizer_config.json of the named real tokenizer.
std::filesystem::path real_model_dir(const std::string& name);

// Lines of a .jsonl or .jsonl.gz file.
std::vector<std::string> read_lines(const std::filesystem::path& path);

// The tests' own small fixtures (tests/fixtures/tokenizer).
std::filesystem::path own_fixtures_dir();

} // namespace mlxcpp::tokenizer::testing
