// The `normalizer` stage of tokenizer.json: string -> string rewrites applied to each stretch of text
// between added tokens, before pre-tokenization. Supported: Sequence, Prepend, Replace (String
// pattern), NFC, Strip. Others (Lowercase, NFKC, BertNormalizer, Precompiled, ...) are rejected.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/json_field.h"

namespace iwsi {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
};

// Builds the normalizer described by `config` (a non-null JSON object with a "type"). With
// `for_continuation`, Prepend steps are left out: the normalizer of a text that continues an already
// encoded one (Tokenizer::encode_continuation), where SentencePiece's dummy prefix does not belong.
std::unique_ptr<const Normalizer> make_normalizer(const JsonField& config, bool for_continuation = false);

// Replaces every non-overlapping occurrence of `from` (non-empty), scanning left to right.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to);
// The literal text of a {"String": ...} pattern; a {"Regex": ...} pattern is rejected with its path.
std::string literal_pattern(const JsonField& pattern);

}  // namespace iwsi
