// Tokenizer's encode/decode and vocabulary queries over the loaded Impl (loading is tokenizer_load.cc).
// encode follows HF's TokenizerImpl::encode for one sequence: added tokens split the raw text; each
// remaining stretch is normalized, split again on normalized added tokens, pre-tokenized and run
// through the model; finally the post-processor's special tokens wrap the ids.
#include "tokenizer/tokenizer.h"

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"

namespace iwsi {
namespace {

// Model ids of one stretch of normalized text that holds no added token.
void encode_plain(const Tokenizer::Impl& impl, std::string text, bool at_text_start, bool continues,
                  std::vector<int32_t>& ids, WordCache& cache) {
  std::vector<PreToken> words{{std::move(text), at_text_start, continues}};
  if (impl.pre_tokenizer) impl.pre_tokenizer->split(words);
  for (const PreToken& word : words) {
    if (!word.text.empty()) impl.model->tokenize(word.text, ids, cache);
  }
}

// Ids of one stretch of raw text that holds no raw-matched added token.
// `continues`: the section starts where an earlier encoded text ended (encode_continuation).
void encode_section(const Tokenizer::Impl& impl, std::string_view raw, bool at_text_start, bool continues,
                    std::vector<int32_t>& ids, WordCache& cache) {
  if (raw.empty()) return;
  const Normalizer* normalizer = continues ? impl.continuation_normalizer.get() : impl.normalizer.get();
  const std::string normalized = normalizer ? normalizer->normalize(std::string(raw)) : std::string(raw);
  for (const auto& segment : impl.normalized_matcher.split(normalized)) {
    if (segment.token != nullptr) {
      ids.push_back(segment.token->id);
      continue;
    }
    const TextRange& r = segment.range;
    if (r.end == r.begin) continue;
    encode_plain(impl, normalized.substr(r.begin, r.end - r.begin), at_text_start && r.begin == 0,
                 continues && r.begin == 0, ids, cache);
  }
}

std::vector<int32_t> encode_text(const Tokenizer::Impl& impl, std::string_view text, bool add_special_tokens,
                                 bool continuation) {
  std::vector<int32_t> ids;
  if (add_special_tokens) ids = impl.special_wrap.prefix;
  WordCache cache;
  for (const auto& segment : impl.raw_matcher.split(text)) {
    if (segment.token != nullptr) {
      ids.push_back(segment.token->id);
      continue;
    }
    const TextRange& r = segment.range;
    encode_section(impl, text.substr(r.begin, r.end - r.begin), r.begin == 0 && !continuation,
                   continuation && r.begin == 0, ids, cache);
  }
  if (add_special_tokens) ids.insert(ids.end(), impl.special_wrap.suffix.begin(), impl.special_wrap.suffix.end());
  return ids;
}

}  // namespace

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  return encode_text(*impl_, text, add_special_tokens, /*continuation=*/false);
}

std::vector<int32_t> Tokenizer::encode_continuation(std::string_view text) const {
  return encode_text(*impl_, text, /*add_special_tokens=*/false, /*continuation=*/true);
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& impl = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const auto added = impl.added_token_by_id.find(id);
    if (added != impl.added_token_by_id.end()) {
      if (!(skip_special_tokens && added->second->special)) tokens.push_back(added->second->content);
      continue;
    }
    if (const std::string* token = impl.model->vocab().token(id)) tokens.push_back(*token);
  }
  std::string text;
  if (impl.decoder) {
    for (const std::string& piece : impl.decoder->decode_chain(std::move(tokens))) text += piece;
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) text += (i == 0 ? "" : " ") + tokens[i];
  }
  return impl.clean_up_tokenization_spaces ? clean_up_tokenization(std::move(text)) : text;
}

int32_t Tokenizer::vocab_size() const { return impl_->vocab_size; }
std::optional<int32_t> Tokenizer::bos_id() const { return impl_->bos; }
std::vector<int32_t> Tokenizer::eos_ids() const { return impl_->eos; }
std::optional<int32_t> Tokenizer::pad_id() const { return impl_->pad; }

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  const std::string key(token);
  const auto added = impl_->added_token_ids.find(key);
  if (added != impl_->added_token_ids.end()) return added->second;
  return impl_->model->vocab().find(key);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  const auto added = impl_->added_token_by_id.find(id);
  if (added != impl_->added_token_by_id.end()) return added->second->content;
  const std::string* token = impl_->model->vocab().token(id);
  IWSI_CHECK(token != nullptr, impl_->source, ": no token has id ", id, " (vocab_size ", impl_->vocab_size, ")");
  return *token;
}

bool Tokenizer::is_special(int32_t id) const {
  const auto added = impl_->added_token_by_id.find(id);
  return added != impl_->added_token_by_id.end() && added->second->special;
}

}  // namespace iwsi
