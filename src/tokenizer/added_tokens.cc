// Added-token matching as HF's AddedVocabulary does it: scan left to right, take the longest token
// starting at the leftmost possible position (a byte trie stands in for HF's Aho-Corasick automaton),
// skip single_word tokens glued to word characters, and let lstrip/rstrip tokens swallow the
// whitespace next to them so it never reaches the model.
#include "tokenizer/added_tokens.h"

#include <algorithm>
#include <climits>

#include "tokenizer/unicode.h"

namespace iwsi {
namespace {

// Start of the character that ends at byte `end` of `text` (end > 0).
size_t previous_char_start(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return start;
}

// Byte offset where the trailing whitespace of `text` starts (HF's \s*$).
size_t trailing_space_start(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    const size_t start = previous_char_start(text, end);
    if (!unicode::is_whitespace(unicode::decode_utf8(text, start).code_point)) break;
    end = start;
  }
  return end;
}

// Byte length of the leading whitespace of `text` (HF's ^\s*).
size_t leading_space_length(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const unicode::DecodedChar c = unicode::decode_utf8(text, pos);
    if (!unicode::is_whitespace(c.code_point)) break;
    pos += c.length;
  }
  return pos;
}

bool ends_with_word_char(std::string_view text) {
  if (text.empty()) return false;
  return unicode::is_word_char(unicode::decode_utf8(text, previous_char_start(text, text.size())).code_point);
}

bool starts_with_word_char(std::string_view text) {
  return !text.empty() && unicode::is_word_char(unicode::decode_utf8(text, 0).code_point);
}

}  // namespace

std::vector<AddedToken> read_added_tokens(const JsonField& list) {
  std::vector<AddedToken> tokens;
  for (size_t i = 0; i < list.size(); ++i) {
    const JsonField entry = list.at(i);
    AddedToken token;
    token.content = entry["content"].as_string();
    const int64_t id = entry["id"].as_int();
    if (id < 0 || id >= INT32_MAX) entry["id"].fail("invalid id ", id);
    token.id = static_cast<int32_t>(id);
    token.special = entry.bool_or("special", false);
    token.single_word = entry.bool_or("single_word", false);
    token.lstrip = entry.bool_or("lstrip", false);
    token.rstrip = entry.bool_or("rstrip", false);
    token.normalized = entry.bool_or("normalized", !token.special);
    if (token.content.empty()) entry["content"].fail("an added token cannot be empty");
    tokens.push_back(std::move(token));
  }
  return tokens;
}

AddedTokenMatcher::AddedTokenMatcher(std::vector<const AddedToken*> tokens, std::vector<std::string> patterns)
    : tokens_(std::move(tokens)) {
  trie_.emplace_back();
  for (size_t t = 0; t < patterns.size(); ++t) {
    int32_t node = 0;
    for (unsigned char byte : patterns[t]) {
      auto& children = trie_[node].children;
      auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1}));
      if (it == children.end() || it->first != byte) {
        it = children.insert(it, {byte, static_cast<int32_t>(trie_.size())});
        const int32_t child = it->second;  // read before emplace_back may reallocate trie_
        trie_.emplace_back();
        node = child;
      } else {
        node = it->second;
      }
    }
    if (node != 0 && trie_[node].token < 0) trie_[node].token = static_cast<int32_t>(t);  // first one wins
  }
}

bool AddedTokenMatcher::longest_at(std::string_view text, size_t pos, Match& match) const {
  int32_t node = 0;
  bool found = false;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto& children = trie_[node].children;
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1}));
    if (it == children.end() || it->first != byte) break;
    node = it->second;
    if (trie_[node].token >= 0) match = {pos, i + 1, static_cast<size_t>(trie_[node].token)}, found = true;
  }
  return found;
}

std::vector<AddedTokenMatcher::Segment> AddedTokenMatcher::split(std::string_view text) const {
  std::vector<Segment> segments;
  if (trie_.size() <= 1) {
    segments.push_back({{0, text.size()}, nullptr});
    return segments;
  }
  size_t consumed = 0;  // end of the last accepted token, whitespace it swallowed included
  size_t pos = 0;
  while (pos < text.size()) {
    Match m{};
    if (!longest_at(text, pos, m)) {
      ++pos;
      continue;
    }
    const AddedToken* token = tokens_[m.token];
    pos = m.end;
    if (token->single_word &&
        (ends_with_word_char(text.substr(0, m.begin)) || starts_with_word_char(text.substr(m.end)))) {
      continue;  // HF resumes the search after the rejected match
    }
    size_t begin = m.begin, end = m.end;
    if (token->lstrip) begin = std::max(trailing_space_start(text.substr(0, begin)), consumed);
    if (token->rstrip) end += leading_space_length(text.substr(end));
    segments.push_back({{consumed, begin}, nullptr});
    segments.push_back({{begin, end}, token});
    consumed = pos = end;
  }
  segments.push_back({{consumed, text.size()}, nullptr});
  return segments;
}

}  // namespace iwsi
