// mlxcpp tokenize --model DIR (--text TEXT | --file F.jsonl) [--add-special-tokens]
// Prints one line {"ids": [...]} per input; --file holds one JSON object with "text" per line.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "mlxcpp/tokenizer/tokenizer.h"
#include "tokenizer_loading.h"

namespace mlxcpp::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string file;
  bool add_special_tokens = false;
};

void print_ids(const std::vector<int32_t>& ids) {
  std::cout << nlohmann::json{{"ids", ids}}.dump() << '\n';
}

void run(const TokenizeOptions& o, bool have_text) {
  if (have_text == !o.file.empty()) {
    throw CommandError("give exactly one of --text and --file");
  }
  auto tok = load_tokenizer(o.model);
  if (have_text) {
    print_ids(tok.encode(o.text, o.add_special_tokens));
    return;
  }
  std::ifstream in(o.file);
  if (!in) {
    throw CommandError("cannot open " + o.file);
  }
  std::vector<std::string> texts;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw CommandError(o.file + " line " + std::to_string(number) + ": not JSON (" + e.what() +
                         ")");
    }
    if (!row.is_object() || !row.contains("text") || !row["text"].is_string()) {
      throw CommandError(o.file + " line " + std::to_string(number) +
                         ": expected an object with a \"text\" string");
    }
    texts.push_back(row["text"].get<std::string>());
  }
  for (const auto& ids : tok.encode_batch(texts, o.add_special_tokens)) {
    print_ids(ids);
  }
}

const CommandRegistration registration{Command{
    "tokenize", "Encode text to token ids with a model's tokenizer.json", [](CLI::App& sub) {
      auto o = std::make_shared<TokenizeOptions>();
      sub.add_option("--model", o->model, "Model folder with tokenizer.json")->required();
      auto* text = sub.add_option("--text", o->text, "Text to encode");
      auto* file = sub.add_option("--file", o->file, "JSONL file, one {\"text\": ...} per line");
      text->excludes(file);
      sub.add_flag("--add-special-tokens", o->add_special_tokens,
                   "Apply the post-processor (e.g. prepend BOS)");
      sub.callback([o, text] { run(*o, text->count() > 0); });
    }}};

} // namespace
} // namespace mlxcpp::cli
