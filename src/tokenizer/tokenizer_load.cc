// Tokenizer::load: reads tokenizer.json into the pipeline stages, then the optional
// tokenizer_config.json / generation_config.json next to it for BOS/EOS/PAD and the decode clean-up.
// Explicit add_bos_token / add_eos_token in tokenizer_config.json override what the post-processor
// adds (as transformers' Llama tokenizers rebuild their template from them); absent, tokenizer.json rules.
#include <algorithm>
#include <climits>
#include <filesystem>

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;

// Fields of tokenizer.json that would change encode() and are not implemented.
void reject_unsupported_top_level(const JsonField& root) {
  if (root.has("truncation")) root["truncation"].fail("truncation is not supported (expected null)");
  if (root.has("padding")) {
    const JsonField padding = root["padding"];
    const JsonField strategy = padding["strategy"];
    if (!strategy.value().is_string() || strategy.as_string() != "BatchLongest") {
      strategy.fail("only BatchLongest padding is supported (it never pads a single text), got ",
                    strategy.value().dump());
    }
  }
}

void load_added_tokens(Tokenizer::Impl& impl, const JsonField& root) {
  if (root.has("added_tokens")) impl.added_tokens = read_added_tokens(root["added_tokens"]);
  std::vector<const AddedToken*> raw, normalized;
  std::vector<std::string> raw_patterns, normalized_patterns;
  for (const AddedToken& token : impl.added_tokens) {
    impl.added_token_ids[token.content] = token.id;
    impl.added_token_by_id[token.id] = &token;
    if (token.normalized && impl.normalizer) {
      normalized.push_back(&token);
      normalized_patterns.push_back(impl.normalizer->normalize(token.content));
    } else {
      raw.push_back(&token);
      raw_patterns.push_back(token.content);
    }
  }
  impl.raw_matcher = AddedTokenMatcher(std::move(raw), std::move(raw_patterns));
  impl.normalized_matcher = AddedTokenMatcher(std::move(normalized), std::move(normalized_patterns));
}

void load_pipeline(Tokenizer::Impl& impl, const JsonField& root) {
  reject_unsupported_top_level(root);
  impl.model = make_model(root["model"]);
  if (root.has("normalizer")) {
    impl.normalizer = make_normalizer(root["normalizer"]);
    impl.continuation_normalizer = make_normalizer(root["normalizer"], /*for_continuation=*/true);
  }
  if (root.has("pre_tokenizer")) impl.pre_tokenizer = make_pre_tokenizer(root["pre_tokenizer"]);
  if (root.has("post_processor")) impl.special_wrap = read_post_processor(root["post_processor"]);
  if (root.has("decoder")) impl.decoder = make_decoder(root["decoder"]);
  load_added_tokens(impl, root);
  impl.vocab_size = impl.model->vocab().end_id();
  for (const AddedToken& token : impl.added_tokens) impl.vocab_size = std::max(impl.vocab_size, token.id + 1);
}

std::optional<int32_t> lookup(const Tokenizer::Impl& impl, const std::string& token) {
  const auto added = impl.added_token_ids.find(token);
  if (added != impl.added_token_ids.end()) return added->second;
  return impl.model->vocab().find(token);
}

// The id of tokenizer_config's `key` (a string, an AddedToken object {"content": ...}, or null).
std::optional<int32_t> config_token_id(const Tokenizer::Impl& impl, const JsonField& config, const char* key) {
  if (!config.has(key)) return std::nullopt;
  JsonField field = config[key];
  if (field.value().is_object()) field = field["content"];
  const std::string token = field.as_string();
  const auto id = lookup(impl, token);
  if (!id) field.fail("token '", token, "' is not in the vocabulary of ", impl.source);
  return id;
}

// generation_config's `key`: an id or a list of ids.
std::vector<int32_t> config_ids(const JsonField& config, const char* key) {
  if (!config.has(key)) return {};
  const JsonField field = config[key];
  std::vector<int32_t> ids;
  auto add = [&ids](const JsonField& f) {
    const int64_t id = f.as_int();
    if (id < 0 || id > INT32_MAX) f.fail("invalid token id ", id);
    ids.push_back(static_cast<int32_t>(id));
  };
  if (field.value().is_array()) {
    for (size_t i = 0; i < field.size(); ++i) add(field.at(i));
  } else {
    add(field);
  }
  return ids;
}

void apply_tokenizer_config(Tokenizer::Impl& impl, const JsonField& config) {
  impl.bos = config_token_id(impl, config, "bos_token");
  impl.pad = config_token_id(impl, config, "pad_token");
  if (const auto eos = config_token_id(impl, config, "eos_token")) impl.eos.push_back(*eos);
  impl.clean_up_tokenization_spaces = config.bool_or("clean_up_tokenization_spaces", false);
  if (config.has("add_bos_token")) {
    const bool add = config["add_bos_token"].as_bool();
    if (add && !impl.bos) config["add_bos_token"].fail("is true but there is no bos_token");
    impl.special_wrap.prefix = add ? std::vector<int32_t>{*impl.bos} : std::vector<int32_t>{};
  }
  if (config.has("add_eos_token")) {
    const bool add = config["add_eos_token"].as_bool();
    if (add && impl.eos.empty()) config["add_eos_token"].fail("is true but there is no eos_token");
    impl.special_wrap.suffix = add ? std::vector<int32_t>{impl.eos.front()} : std::vector<int32_t>{};
  }
}

// generation_config fills what tokenizer_config left open; its EOS list comes first (generation stops
// on any of them).
void apply_generation_config(Tokenizer::Impl& impl, const JsonField& config) {
  if (!impl.bos) {
    const auto bos = config_ids(config, "bos_token_id");
    if (!bos.empty()) impl.bos = bos.front();
  }
  if (!impl.pad) {
    const auto pad = config_ids(config, "pad_token_id");
    if (!pad.empty()) impl.pad = pad.front();
  }
  std::vector<int32_t> eos = config_ids(config, "eos_token_id");
  for (int32_t id : impl.eos) {
    if (std::find(eos.begin(), eos.end(), id) == eos.end()) eos.push_back(id);
  }
  impl.eos = std::move(eos);
}

// Last resorts for BOS and PAD: the post-processor's leading special token, tokenizer.json's padding.
void apply_fallbacks(Tokenizer::Impl& impl, const JsonField& root) {
  if (!impl.bos && !impl.special_wrap.prefix.empty()) impl.bos = impl.special_wrap.prefix.front();
  if (!impl.pad && root.has("padding") && root["padding"].has("pad_id")) {
    impl.pad = static_cast<int32_t>(root["padding"]["pad_id"].as_int());
  }
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& path) {
  std::error_code ec;
  const bool is_dir = fs::is_directory(path, ec);
  const fs::path file = is_dir ? fs::path(path) / "tokenizer.json" : fs::path(path);
  const fs::path dir = file.parent_path();
  IWSI_CHECK(fs::is_regular_file(file, ec), "tokenizer: ", file.string(), " does not exist or is not a file");

  auto impl = std::make_shared<Impl>();
  impl->source = file.string();
  const JsonField root = JsonField::parse_file(impl->source);
  load_pipeline(*impl, root);

  const fs::path tokenizer_config = dir / "tokenizer_config.json";
  if (fs::is_regular_file(tokenizer_config, ec)) {
    apply_tokenizer_config(*impl, JsonField::parse_file(tokenizer_config.string()));
  }
  const fs::path generation_config = dir / "generation_config.json";
  if (fs::is_regular_file(generation_config, ec)) {
    apply_generation_config(*impl, JsonField::parse_file(generation_config.string()));
  }
  apply_fallbacks(*impl, root);
  return Tokenizer(std::move(impl));
}

}  // namespace iwsi
