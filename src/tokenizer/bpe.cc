// Byte-pair encoding with Hugging Face `tokenizers` semantics: a word starts as one symbol per
// character (unknown characters become <0xXX> byte tokens under byte_fallback, else unk, fused when
// fuse_unk), then the lowest-ranked adjacent pair is merged until none is left, ties going to the
// leftmost pair. A priority queue over a linked list of symbols makes this O(n log n) per word;
// stale queue entries are recognized and skipped instead of being removed.
#include "tokenizer/model.h"

#include <array>
#include <cstdio>
#include <queue>

namespace iwsi {
namespace {

struct Symbol {
  int32_t id;
  int32_t prev;  // -1 at the start
  int32_t next;  // -1 at the end
  bool alive;
};

struct MergeCandidate {
  int32_t rank;
  int32_t pos;  // index of the left symbol
  int32_t new_id;
  bool operator>(const MergeCandidate& other) const {
    return rank != other.rank ? rank > other.rank : pos > other.pos;
  }
};

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

class BpeModel : public Model {
 public:
  struct Options {
    std::optional<std::string> unk_token;
    std::string continuing_subword_prefix;
    std::string end_of_word_suffix;
    bool byte_fallback = false;
    bool fuse_unk = false;
    bool ignore_merges = false;
  };

  BpeModel(Vocab vocab, Options options) : vocab_(std::move(vocab)), options_(std::move(options)) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      byte_ids_[b] = vocab_.find(name);
    }
  }

  // Registers merge `rank` of `left` + `right`; false when a token involved is not in the vocabulary.
  bool add_merge(const std::string& left, const std::string& right, int32_t rank) {
    const auto left_id = vocab_.find(left), right_id = vocab_.find(right);
    std::string merged = left;
    const std::string& prefix = options_.continuing_subword_prefix;
    merged += (!prefix.empty() && right.compare(0, prefix.size(), prefix) == 0) ? right.substr(prefix.size()) : right;
    const auto merged_id = vocab_.find(merged);
    if (!left_id || !right_id || !merged_id) return false;
    merges_[pair_key(*left_id, *right_id)] = {rank, *merged_id};  // a repeated pair keeps its last rank, as HF
    return true;
  }

  void tokenize(const std::string& word, std::vector<int32_t>& ids, WordCache& cache) const override {
    if (options_.ignore_merges) {
      if (const auto id = vocab_.find(word)) {
        ids.push_back(*id);
        return;
      }
    }
    auto cached = cache.find(word);
    if (cached == cache.end()) cached = cache.emplace(word, encode_word(word)).first;
    ids.insert(ids.end(), cached->second.begin(), cached->second.end());
  }

  const Vocab& vocab() const override { return vocab_; }

 private:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };

  std::vector<int32_t> encode_word(const std::string& word) const {
    std::vector<Symbol> symbols = initial_symbols(word);
    apply_merges(symbols);
    std::vector<int32_t> ids;
    for (const Symbol& s : symbols) {
      if (s.alive) ids.push_back(s.id);
    }
    return ids;
  }

  const Merge* find_merge(int32_t left, int32_t right) const {
    const auto it = merges_.find(pair_key(left, right));
    return it == merges_.end() ? nullptr : &it->second;
  }

  std::vector<Symbol> initial_symbols(const std::string& word) const;
  int32_t unk_id() const;
  void apply_merges(std::vector<Symbol>& symbols) const;

  Vocab vocab_;
  Options options_;
  std::unordered_map<uint64_t, Merge> merges_;
  std::array<std::optional<int32_t>, 256> byte_ids_;
};

int32_t BpeModel::unk_id() const {
  const auto id = vocab_.find(*options_.unk_token);
  IWSI_CHECK(id.has_value(), "BPE tokenizer: unk_token '", *options_.unk_token, "' is not in the vocabulary");
  return *id;
}

// One symbol per character, as HF's BPE::merge_word builds them (including its ordering quirk:
// byte-fallback tokens do not flush a pending unknown).
std::vector<Symbol> BpeModel::initial_symbols(const std::string& word) const {
  std::vector<int32_t> ids;
  std::optional<int32_t> pending_unk;
  for (size_t pos = 0; pos < word.size();) {
    size_t length = 1;
    while (pos + length < word.size() && (static_cast<unsigned char>(word[pos + length]) & 0xC0) == 0x80) ++length;
    std::string piece = word.substr(pos, length);
    if (pos > 0) piece.insert(0, options_.continuing_subword_prefix);
    if (pos + length == word.size()) piece += options_.end_of_word_suffix;
    pos += length;
    if (const auto id = vocab_.find(piece)) {
      if (pending_unk) ids.push_back(*pending_unk), pending_unk.reset();
      ids.push_back(*id);
      continue;
    }
    if (options_.byte_fallback) {
      bool all_bytes_known = true;
      for (char c : piece) all_bytes_known = all_bytes_known && byte_ids_[static_cast<unsigned char>(c)];
      if (all_bytes_known) {
        for (char c : piece) ids.push_back(*byte_ids_[static_cast<unsigned char>(c)]);
        continue;
      }
    }
    if (!options_.unk_token) continue;  // HF drops the character when there is no unk_token
    if (pending_unk && !options_.fuse_unk) ids.push_back(*pending_unk);
    pending_unk = unk_id();
  }
  if (pending_unk) ids.push_back(*pending_unk);

  std::vector<Symbol> symbols(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    symbols[i] = {ids[i], static_cast<int32_t>(i) - 1, i + 1 < ids.size() ? static_cast<int32_t>(i + 1) : -1, true};
  }
  return symbols;
}

void BpeModel::apply_merges(std::vector<Symbol>& symbols) const {
  std::priority_queue<MergeCandidate, std::vector<MergeCandidate>, std::greater<MergeCandidate>> queue;
  auto consider = [&](int32_t left) {
    const int32_t right = symbols[left].next;
    if (right < 0) return;
    if (const Merge* m = find_merge(symbols[left].id, symbols[right].id)) queue.push({m->rank, left, m->new_id});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i);

  while (!queue.empty()) {
    const MergeCandidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    const Merge* current = find_merge(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;  // stale: a neighbor changed

    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = top.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(top.pos);
  }
}

std::vector<std::pair<std::string, std::string>> read_merges(const JsonField& merges) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const JsonField entry = merges.at(i);
    if (entry.value().is_array()) {  // newer format: ["left", "right"]
      if (entry.size() != 2) entry.fail("expected a pair of tokens");
      pairs.emplace_back(entry.at(0).as_string(), entry.at(1).as_string());
      continue;
    }
    const std::string text = entry.as_string();  // older format: "left right"
    const size_t space = text.find(' ');
    if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
      entry.fail("expected two tokens separated by one space, got '", text, "'");
    }
    pairs.emplace_back(text.substr(0, space), text.substr(space + 1));
  }
  return pairs;
}

}  // namespace

std::unique_ptr<const Model> make_bpe(const JsonField& config) {
  if (config.has("dropout") && !(config["dropout"].value().is_number() && config["dropout"].value() == 0)) {
    config["dropout"].fail("BPE dropout is not supported (it makes encoding random)");
  }
  BpeModel::Options options;
  if (config.has("unk_token")) options.unk_token = config["unk_token"].as_string();
  options.continuing_subword_prefix = config.string_or("continuing_subword_prefix", "");
  options.end_of_word_suffix = config.string_or("end_of_word_suffix", "");
  options.byte_fallback = config.bool_or("byte_fallback", false);
  options.fuse_unk = config.bool_or("fuse_unk", false);
  options.ignore_merges = config.bool_or("ignore_merges", false);

  auto model = std::make_unique<BpeModel>(Vocab::read(config["vocab"]), options);
  const JsonField merges = config["merges"];
  const auto pairs = read_merges(merges);
  for (size_t rank = 0; rank < pairs.size(); ++rank) {
    const auto& [left, right] = pairs[rank];
    if (!model->add_merge(left, right, static_cast<int32_t>(rank))) {
      merges.at(rank).fail("merge '", left, " ", right, "' uses a token that is not in the vocabulary");
    }
  }
  return model;
}

}  // namespace iwsi
