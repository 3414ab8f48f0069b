// The tokenizer pipeline: load tokenizer.json into its stages, then run them.
#include "mlxcpp/tokenizer/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tokenizer/added_tokens.h"
#include "tokenizer/components.h"
#include "tokenizer/utf8_repair.h"
#include "tokenizer/vocab_loading.h"

namespace mlxcpp::tokenizer {

using namespace detail;

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  AddedVocabulary added;
};

namespace {

std::vector<AddedToken> read_added_tokens(JsonRef root) {
  std::vector<AddedToken> tokens;
  auto list = root.get("added_tokens");
  if (!list) {
    return tokens;
  }
  if (!list->is_array()) {
    throw std::invalid_argument("[tokenizer] added_tokens should be an array");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    JsonRef t = (*list)[i];
    AddedToken token;
    auto content = t.get("content");
    auto id = t.get("id");
    if (!content || !id) {
      throw std::invalid_argument("[tokenizer] added token " + std::to_string(i) +
                                  " needs an id and a content");
    }
    token.content = std::string(content->as_string("added token content"));
    int64_t raw_id = id->as_int("added token id");
    if (raw_id < 0 || raw_id >= kMaxTokenId) {
      throw std::invalid_argument("[tokenizer] added token id " + std::to_string(raw_id) +
                                  " is out of range");
    }
    token.id = static_cast<int32_t>(raw_id);
    token.special = t.get_bool("special", false);
    token.normalized = t.get_bool("normalized", !token.special);
    token.lstrip = t.get_bool("lstrip", false);
    token.rstrip = t.get_bool("rstrip", false);
    token.single_word = t.get_bool("single_word", false);
    if (!token.content.empty()) {
      tokens.push_back(std::move(token));
    }
  }
  return tokens;
}

} // namespace

Tokenizer Tokenizer::from_json(std::string json) {
  JsonDocument doc = [&] {
    try {
      return JsonDocument::parse(std::move(json));
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(std::string("[tokenizer] tokenizer.json: ") + e.what());
    }
  }();
  JsonRef root = doc.root();
  if (!root.is_object()) {
    throw std::invalid_argument("[tokenizer] tokenizer.json should hold a JSON object");
  }
  auto impl = std::make_shared<Impl>();
  auto model = root.get("model");
  if (!model) {
    throw std::invalid_argument("[tokenizer] tokenizer.json has no \"model\"");
  }
  try {
    impl->model = make_model(*model);
    if (auto n = root.get("normalizer")) {
      impl->normalizer = make_normalizer(*n);
    }
    if (auto p = root.get("pre_tokenizer")) {
      impl->pre_tokenizer = make_pre_tokenizer(*p);
    }
    if (auto p = root.get("post_processor")) {
      impl->post_processor = make_post_processor(*p);
    }
    if (auto d = root.get("decoder")) {
      impl->decoder = make_decoder(*d);
    }
    impl->added.build(read_added_tokens(root), impl->normalizer.get());
  } catch (const std::runtime_error& e) {
    // A JSON field of the wrong type surfaces as runtime_error from the reader.
    throw std::invalid_argument(std::string("[tokenizer] ") + e.what());
  }
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_file(const std::filesystem::path& tokenizer_json) {
  std::ifstream in(tokenizer_json, std::ios::binary);
  if (!in) {
    throw std::runtime_error("[tokenizer] cannot open " + tokenizer_json.string());
  }
  std::string text;
  in.seekg(0, std::ios::end);
  text.resize(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) {
    throw std::runtime_error("[tokenizer] cannot read " + tokenizer_json.string());
  }
  try {
    return from_json(std::move(text));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " (in " + tokenizer_json.string() + ")");
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::string repaired;
  if (!is_valid_utf8(text)) {
    repaired = repair_utf8(text);
    text = repaired;
  }
  Pieces pieces;
  impl_->added.extract(text, impl_->normalizer.get(), pieces);
  if (impl_->pre_tokenizer) {
    impl_->pre_tokenizer->pre_tokenize(pieces);
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  for (const Piece& p : pieces) {
    if (p.id >= 0) {
      ids.push_back(p.id);
    } else {
      impl_->model->tokenize(p.text, ids);
    }
  }
  if (impl_->post_processor) {
    impl_->post_processor->process(ids, add_special_tokens);
  }
  return ids;
}

std::vector<std::vector<int32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          bool add_special_tokens,
                                                          unsigned threads) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  if (threads == 0) {
    threads = std::max(1u, std::thread::hardware_concurrency());
  }
  threads = static_cast<unsigned>(std::min<size_t>(threads, texts.size()));
  if (threads <= 1) {
    for (size_t i = 0; i < texts.size(); ++i) {
      out[i] = encode(texts[i], add_special_tokens);
    }
    return out;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < texts.size();) {
      try {
        out[i] = encode(texts[i], add_special_tokens);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) {
          error = std::current_exception();
        }
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back(work);
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (const AddedToken* added = impl_->added.by_id(id)) {
      if (!(skip_special_tokens && added->special)) {
        tokens.push_back(added->content);
      }
      continue;
    }
    if (auto token = impl_->model->id_to_token(id)) {
      tokens.emplace_back(*token);
    }
  }
  std::string text;
  if (impl_->decoder) {
    impl_->decoder->decode_chain(tokens);
    for (const auto& t : tokens) {
      text += t;
    }
    return text;
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) {
      text += ' ';
    }
    text += tokens[i];
  }
  return text;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = impl_->added.id_of(token)) {
    return id;
  }
  return impl_->model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* added = impl_->added.by_id(id)) {
    return added->content;
  }
  if (auto token = impl_->model->id_to_token(id)) {
    return std::string(*token);
  }
  return std::nullopt;
}

bool Tokenizer::is_special(int32_t id) const {
  const AddedToken* added = impl_->added.by_id(id);
  return added && added->special;
}

size_t Tokenizer::vocab_size() const {
  size_t extra = 0;
  for (const auto& t : impl_->added.tokens()) {
    extra += !impl_->model->id_to_token(t.id).has_value();
  }
  return impl_->model->vocab_size() + extra;
}

} // namespace mlxcpp::tokenizer
