// The `decoder` stage of tokenizer.json: token strings -> text, as a chain of steps each mapping a
// list of strings to a list of strings (HF's decode_chain); the final text is their concatenation.
// Supported: Sequence, Replace (String pattern), ByteFallback, Fuse, Strip, ByteLevel, Metaspace.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/json_field.h"

namespace iwsi {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// Builds the decoder described by `config` (a non-null JSON object with a "type").
std::unique_ptr<const Decoder> make_decoder(const JsonField& config);

// transformers' clean_up_tokenization: removes the space before . ? ! , and common contractions.
std::string clean_up_tokenization(std::string text);

}  // namespace iwsi
