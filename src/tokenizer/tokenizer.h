// Hugging Face tokenizers from tokenizer.json, in C++, with the encode/decode results of HF's Rust
// `tokenizers` (what transformers' fast tokenizers run): SentencePiece-style BPE with byte fallback
// (Llama-2), byte-level BPE (GPT-2, Llama-3, Qwen2/3) and WordLevel. Torch-free and immutable after
// load, so one Tokenizer may be shared between threads; copies share the loaded tables.
// Split regexes run on hand-written matchers for the common patterns and on Oniguruma (HF's own regex
// engine) for any other. Not supported (rejected at load with the file and field named):
// Unigram/WordPiece models, dropout, truncation, fixed padding, and normalizers other than those in
// normalizers.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iwsi {

class Tokenizer {
 public:
  // Loads `path`: a model directory containing tokenizer.json (and optionally tokenizer_config.json and
  // generation_config.json, which give add_bos_token / add_eos_token / bos/eos/pad tokens / eos_token_id,
  // possibly a list), or a path to a tokenizer.json file itself. Unsupported types/fields -> iwsi::Error
  // naming the file and the field.
  static Tokenizer load(const std::string& path);

  // HF `encode(text, add_special_tokens)`: added tokens written literally in the text are matched first
  // (leftmost-longest, honoring lstrip/rstrip/normalized/single_word), then normalizer, pre-tokenizer
  // and model run on the text between them, then the post-processor adds BOS/EOS when asked.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  // The ids of `text` as the continuation of an encoded text that ended just before it: what a model
  // produces after a prompt to write `text`. No special tokens, and nothing that marks the start of a
  // text: no SentencePiece dummy prefix (Prepend normalizer, Metaspace prepend_scheme), no ByteLevel
  // prefix space. Tokens never merge across the join, as they cannot when a model generates.
  std::vector<int32_t> encode_continuation(std::string_view text) const;
  // HF `decode(ids, skip_special_tokens)`: ids map to tokens (unknown ids are skipped, as HF does), the
  // decoder chain turns them into text, and tokenizer_config's clean_up_tokenization_spaces applies.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;

  int32_t vocab_size() const;                  // max id + 1 over vocab and added tokens
  std::optional<int32_t> bos_id() const;       // tokenizer_config, else generation_config, else post-processor
  std::vector<int32_t> eos_ids() const;        // generation_config's eos_token_id(s), then tokenizer_config's
  std::optional<int32_t> pad_id() const;       // tokenizer_config, else generation_config, else padding
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::string id_to_token(int32_t id) const;   // throws on an id no token has
  bool is_special(int32_t id) const;           // an added token marked special

  struct Impl;  // the loaded tables (tokenizer_impl.h); named here only so the .cc files can build it

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace iwsi
