// The vocabulary shared by all models, the WordLevel model and the model factory.
// WordLevel follows HF: a word missing from the vocabulary becomes unk_token, and a missing unk_token
// is an error at encode time (HF raises too), not a silent drop.
#include "tokenizer/model.h"

#include <algorithm>
#include <climits>

namespace iwsi {

Vocab Vocab::read(const JsonField& object) {
  if (!object.value().is_object()) object.fail("expected an object {token: id}");
  Vocab vocab;
  vocab.ids_.reserve(object.value().size());
  for (const auto& [token, id_json] : object.value().items()) {
    if (!id_json.is_number_integer() || id_json.get<int64_t>() < 0 || id_json.get<int64_t>() >= INT32_MAX) {
      object.fail("token '", token, "' has an invalid id ", id_json.dump());
    }
    vocab.ids_.emplace(token, static_cast<int32_t>(id_json.get<int64_t>()));
  }
  int32_t end = 0;
  for (const auto& [token, id] : vocab.ids_) end = std::max(end, id + 1);
  vocab.tokens_.assign(end, nullptr);
  for (const auto& [token, id] : vocab.ids_) {
    if (vocab.tokens_[id] != nullptr) object.fail("id ", id, " is given to two tokens");
    vocab.tokens_[id] = &token;
  }
  return vocab;
}

std::optional<int32_t> Vocab::find(const std::string& token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string* Vocab::token(int32_t id) const {
  if (id < 0 || id >= end_id()) return nullptr;
  return tokens_[id];
}

namespace {

class WordLevelModel : public Model {
 public:
  WordLevelModel(Vocab vocab, std::string unk_token) : vocab_(std::move(vocab)), unk_(std::move(unk_token)) {}
  void tokenize(const std::string& word, std::vector<int32_t>& ids, WordCache&) const override {
    if (const auto id = vocab_.find(word)) {
      ids.push_back(*id);
    } else if (const auto unk = vocab_.find(unk_)) {
      ids.push_back(*unk);
    } else {
      fail("WordLevel tokenizer: '", word, "' is not in the vocabulary and unk_token '", unk_,
           "' is not either");
    }
  }
  const Vocab& vocab() const override { return vocab_; }

 private:
  Vocab vocab_;
  std::string unk_;
};

}  // namespace

std::unique_ptr<const Model> make_word_level(const JsonField& config) {
  return std::make_unique<WordLevelModel>(Vocab::read(config["vocab"]), config.string_or("unk_token", "<unk>"));
}

std::unique_ptr<const Model> make_model(const JsonField& config) {
  if (!config.has("type")) config.fail("the model has no 'type' (expected BPE or WordLevel)");
  const std::string type = config["type"].as_string();
  if (type == "BPE") return make_bpe(config);
  if (type == "WordLevel") return make_word_level(config);
  config["type"].fail("unsupported model type '", type, "' (supported: BPE, WordLevel)");
}

}  // namespace iwsi
