// The loaded state behind iwsi::Tokenizer: the pipeline stages read from tokenizer.json plus the
// special-token facts from tokenizer_config.json / generation_config.json. Built once by
// tokenizer_load.cc, then only read (tokenizer.cc). Internal to src/tokenizer/.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/decoders.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizers.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {

struct Tokenizer::Impl {
  std::string source;  // the tokenizer.json path, for messages

  // Pipeline; null stages are skipped, as in HF.
  std::unique_ptr<const Normalizer> normalizer;
  std::unique_ptr<const Normalizer> continuation_normalizer;  // the same without Prepend steps
  std::unique_ptr<const PreTokenizer> pre_tokenizer;
  std::unique_ptr<const Model> model;
  SpecialTokenWrap special_wrap;  // what add_special_tokens=true adds around the ids
  std::unique_ptr<const Decoder> decoder;

  // Added tokens take precedence over the model vocabulary in both directions, as in HF.
  std::vector<AddedToken> added_tokens;
  std::unordered_map<std::string, int32_t> added_token_ids;
  std::unordered_map<int32_t, const AddedToken*> added_token_by_id;
  AddedTokenMatcher raw_matcher;         // tokens with normalized=false, searched in the input text
  AddedTokenMatcher normalized_matcher;  // tokens with normalized=true, searched after normalization

  std::optional<int32_t> bos;
  std::vector<int32_t> eos;
  std::optional<int32_t> pad;
  bool clean_up_tokenization_spaces = false;
  int32_t vocab_size = 0;
};

}  // namespace iwsi
