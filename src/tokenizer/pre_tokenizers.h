// The `pre_tokenizer` stage of tokenizer.json: cuts normalized text into the words the model sees.
// Supported: Sequence, Split (String pattern, or any Regex: the known ones by split_patterns.h, the
// rest by Oniguruma; every HF split behavior and invert), ByteLevel, Metaspace, WhitespaceSplit, Whitespace, Digits.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/json_field.h"
#include "tokenizer/split_patterns.h"

namespace iwsi {

struct PreToken {
  std::string text;
  bool at_text_start;  // begins at offset 0 of the encoded text (Metaspace's prepend_scheme "first")
  // Begins where an earlier encoded text left off (Tokenizer::encode_continuation): no prefix space
  // or metaspace is added to it, whatever the settings, because the text before it already ended.
  bool continues = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces every piece by its sub-pieces; empty pieces are dropped, as HF does.
  virtual void split(std::vector<PreToken>& pieces) const = 0;
};

// Builds the pre-tokenizer described by `config` (a non-null JSON object with a "type").
std::unique_ptr<const PreTokenizer> make_pre_tokenizer(const JsonField& config);

// HF's SplitDelimiterBehavior: what happens to the matched delimiters when splitting.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Cuts `text` given the delimiter `matches` (sorted, non-overlapping). With `invert`, the matches are
// the pieces to keep and everything between them acts as the delimiter.
std::vector<TextRange> split_by_matches(size_t text_size, const std::vector<TextRange>& matches,
                                        bool invert, SplitBehavior behavior);

}  // namespace iwsi
