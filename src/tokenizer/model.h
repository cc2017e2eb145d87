// The `model` stage of tokenizer.json: turns one pre-tokenized word into token ids.
// Supported: BPE (merges, byte_fallback, fuse_unk, ignore_merges, continuing_subword_prefix,
// end_of_word_suffix; no dropout) and WordLevel. Unigram and WordPiece are rejected at load time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/json_field.h"

namespace iwsi {

// token <-> id of the model's own vocabulary (added tokens are kept by the facade).
class Vocab {
 public:
  // Reads {"token": id, ...}; ids must be non-negative and unique.
  static Vocab read(const JsonField& object);
  Vocab() = default;
  Vocab(Vocab&&) = default;
  Vocab& operator=(Vocab&&) = default;
  Vocab(const Vocab&) = delete;  // tokens_ points into ids_, so copies would dangle
  Vocab& operator=(const Vocab&) = delete;

  std::optional<int32_t> find(const std::string& token) const;
  // nullptr when no token has this id.
  const std::string* token(int32_t id) const;
  int32_t end_id() const { return static_cast<int32_t>(tokens_.size()); }  // max id + 1

 private:
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<const std::string*> tokens_;  // points into ids_' keys (stable: node-based map)
};

// Word -> ids memo for one encode() call: long texts repeat their words a lot, and a per-call cache
// needs no locking when one Tokenizer is shared between threads.
using WordCache = std::unordered_map<std::string, std::vector<int32_t>>;

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of `word` (a non-empty pre-token) to `ids`.
  virtual void tokenize(const std::string& word, std::vector<int32_t>& ids, WordCache& cache) const = 0;
  virtual const Vocab& vocab() const = 0;
};

// Builds the model described by `config` (the "model" object of tokenizer.json).
std::unique_ptr<const Model> make_model(const JsonField& config);
std::unique_ptr<const Model> make_bpe(const JsonField& config);
std::unique_ptr<const Model> make_word_level(const JsonField& config);

}  // namespace iwsi
