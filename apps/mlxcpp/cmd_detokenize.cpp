// mlxcpp detokenize --model DIR --ids 1,2,3 [--skip-special-tokens]
// Prints the decoded text exactly (no newline is added).
#include <charconv>
#include <iostream>

#include "command.h"
#include "tokenizer_loading.h"

namespace mlxcpp::cli {
namespace {

struct DetokenizeOptions {
  std::string model;
  std::string ids;
  bool skip_special_tokens = false;
};

std::vector<int32_t> parse_ids(const std::string& list) {
  std::vector<int32_t> ids;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string item =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    int32_t id = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || id < 0) {
      throw CommandError("--ids: '" + item + "' is not a token id (expected e.g. 1,2,3)");
    }
    ids.push_back(id);
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return ids;
}

const CommandRegistration registration{Command{
    "detokenize", "Decode token ids to text with a model's tokenizer.json", [](CLI::App& sub) {
      auto o = std::make_shared<DetokenizeOptions>();
      sub.add_option("--model", o->model, "Model folder with tokenizer.json")->required();
      sub.add_option("--ids", o->ids, "Comma-separated token ids")->required();
      sub.add_flag("--skip-special-tokens", o->skip_special_tokens, "Leave special tokens out");
      sub.callback([o] {
        auto ids = parse_ids(o->ids);
        auto tok = load_tokenizer(o->model);
        std::cout << tok.decode(ids, o->skip_special_tokens) << std::flush;
      });
    }}};

} // namespace
} // namespace mlxcpp::cli
