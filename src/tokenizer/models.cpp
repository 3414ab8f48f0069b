// Picks the model implementation named by tokenizer.json's "model" object.
#include <stdexcept>

#include "tokenizer/components.h"

namespace mlxcpp::tokenizer::detail {

std::unique_ptr<Model> make_bpe_model(JsonRef json);
std::unique_ptr<Model> make_unigram_model(JsonRef json);
std::unique_ptr<Model> make_wordpiece_model(JsonRef json);
std::unique_ptr<Model> make_wordlevel_model(JsonRef json);

std::string_view component_type(JsonRef json, std::string_view component) {
  if (!json.is_object()) {
    throw std::invalid_argument("[tokenizer] " + std::string(component) + " should be an object");
  }
  auto type = json.get("type");
  if (!type) {
    throw std::invalid_argument("[tokenizer] " + std::string(component) + " has no \"type\"");
  }
  return type->as_string(std::string(component) + " type");
}

std::unique_ptr<Model> make_model(JsonRef json) {
  if (!json.is_object()) {
    throw std::invalid_argument("[tokenizer] model should be an object");
  }
  std::string type;
  if (auto t = json.get("type")) {
    type = t->as_string("model type");
  } else if (json.find("merges")) {
    type = "BPE"; // files from before the type tag: infer it from the fields
  } else if (auto v = json.get("vocab"); v && v->is_array()) {
    type = "Unigram";
  } else if (json.find("max_input_chars_per_word")) {
    type = "WordPiece";
  } else {
    type = "WordLevel";
  }
  if (type == "BPE") {
    return make_bpe_model(json);
  }
  if (type == "Unigram") {
    return make_unigram_model(json);
  }
  if (type == "WordPiece") {
    return make_wordpiece_model(json);
  }
  if (type == "WordLevel") {
    return make_wordlevel_model(json);
  }
  throw std::invalid_argument("[tokenizer] unknown model type '" + type + "'");
}

} // namespace mlxcpp::tokenizer::detail
