// Post-processors add a model's special tokens around an encoded sequence: TemplateProcessing,
// BertProcessing, RobertaProcessing, ByteLevel (offsets only, so nothing for ids), Sequence.
// Encoding takes one sequence, so only the single-sequence templates apply.
#include <stdexcept>

#include "tokenizer/components.h"

namespace mlxcpp::tokenizer::detail {

namespace {

// Special ids before and after the sequence.
class Wrap : public PostProcessor {
public:
  Wrap(std::vector<int32_t> before, std::vector<int32_t> after)
      : before_(std::move(before)), after_(std::move(after)) {}

  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
    if (!add_special_tokens) {
      return;
    }
    ids.insert(ids.begin(), before_.begin(), before_.end());
    ids.insert(ids.end(), after_.begin(), after_.end());
  }

private:
  std::vector<int32_t> before_, after_;
};

class Sequence : public PostProcessor {
public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
    for (const auto& step : steps_) {
      step->process(ids, add_special_tokens);
    }
  }

private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

class NoIdChange : public PostProcessor {
public:
  void process(std::vector<int32_t>&, bool) const override {}
};

std::unique_ptr<PostProcessor> make_template(JsonRef json) {
  auto single = json.get("single");
  if (!single || !single->is_array()) {
    throw std::invalid_argument("[tokenizer] TemplateProcessing needs a \"single\" template");
  }
  auto specials = json.get("special_tokens");
  std::vector<int32_t> before, after;
  bool seen_sequence = false;
  for (size_t i = 0; i < single->size(); ++i) {
    JsonRef item = (*single)[i];
    if (auto seq = item.get("Sequence")) {
      if (seen_sequence) {
        throw std::invalid_argument("[tokenizer] TemplateProcessing single template repeats $A");
      }
      seen_sequence = true;
      continue;
    }
    auto special = item.get("SpecialToken");
    if (!special) {
      throw std::invalid_argument("[tokenizer] TemplateProcessing item is neither Sequence nor "
                                  "SpecialToken");
    }
    std::string name = special->get_string("id", "");
    std::optional<JsonRef> entry = specials ? specials->get(name) : std::nullopt;
    if (!entry) {
      throw std::invalid_argument("[tokenizer] TemplateProcessing special token '" + name +
                                  "' is missing from special_tokens");
    }
    auto ids = entry->get("ids");
    if (!ids || !ids->is_array()) {
      throw std::invalid_argument("[tokenizer] TemplateProcessing special token '" + name +
                                  "' has no ids");
    }
    auto& target = seen_sequence ? after : before;
    for (size_t k = 0; k < ids->size(); ++k) {
      target.push_back(static_cast<int32_t>((*ids)[k].as_int("special token id")));
    }
  }
  return std::make_unique<Wrap>(std::move(before), std::move(after));
}

int32_t pair_id(JsonRef json, const char* field) {
  auto pair = json.get(field);
  if (!pair || !pair->is_array() || pair->size() != 2) {
    throw std::invalid_argument(std::string("[tokenizer] post-processor field '") + field +
                                "' should be [token, id]");
  }
  return static_cast<int32_t>((*pair)[1].as_int(field));
}

} // namespace

std::unique_ptr<PostProcessor> make_post_processor(JsonRef json) {
  auto type = component_type(json, "post_processor");
  if (type == "TemplateProcessing") {
    return make_template(json);
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    return std::make_unique<Wrap>(std::vector<int32_t>{pair_id(json, "cls")},
                                  std::vector<int32_t>{pair_id(json, "sep")});
  }
  if (type == "ByteLevel") {
    return std::make_unique<NoIdChange>();
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> steps;
    if (auto list = json.get("processors")) {
      for (size_t i = 0; i < list->size(); ++i) {
        steps.push_back(make_post_processor((*list)[i]));
      }
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw std::invalid_argument("[tokenizer] unknown post_processor type '" + std::string(type) +
                              "'");
}

} // namespace mlxcpp::tokenizer::detail
