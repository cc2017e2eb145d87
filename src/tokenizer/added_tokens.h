// Added tokens (tokenizer.json "added_tokens": special tokens like <s>, <|im_start|>, and extra
// vocabulary) and the matcher that finds them in text before the normal pipeline runs, with HF's
// leftmost-longest rule and the lstrip / rstrip / single_word options.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_field.h"
#include "tokenizer/split_patterns.h"

namespace iwsi {

struct AddedToken {
  std::string content;
  int32_t id;
  bool single_word;
  bool lstrip;  // swallow whitespace before the token
  bool rstrip;  // swallow whitespace after the token
  bool normalized;  // matched in the normalized text rather than the raw text
  bool special;
};

std::vector<AddedToken> read_added_tokens(const JsonField& list);

// Finds a fixed set of added tokens in text.
class AddedTokenMatcher {
 public:
  // `tokens` must outlive the matcher; `patterns` are the strings to find, one per token (the
  // token's content, or its normalized form for normalized tokens).
  AddedTokenMatcher(std::vector<const AddedToken*> tokens, std::vector<std::string> patterns);
  AddedTokenMatcher() = default;

  struct Segment {
    TextRange range;
    const AddedToken* token;  // nullptr: ordinary text to run through the pipeline
  };
  // Cuts `text` into ordinary stretches and added-token matches (ordinary stretches may be empty).
  std::vector<Segment> split(std::string_view text) const;

 private:
  struct Match {
    size_t begin, end;
    size_t token;  // index into tokens_
  };
  // The longest pattern starting at `pos`, if any.
  bool longest_at(std::string_view text, size_t pos, Match& match) const;

  struct TrieNode {
    std::vector<std::pair<unsigned char, int32_t>> children;  // sorted by byte
    int32_t token = -1;                                       // index of the pattern ending here
  };
  std::vector<TrieNode> trie_;
  std::vector<const AddedToken*> tokens_;
};

}  // namespace iwsi
