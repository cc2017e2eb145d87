// Specification of iwsi::Tokenizer: Hugging Face encode/decode results on the real stories260K
// tokenizer (shared/models/stories260K/reference.json), byte fallback, special tokens in text,
// byte-level BPE and WordLevel tokenizers built here as tokenizer.json text, the hand-written split
// regexes and NFC, and the load errors for what is not supported. Parity with HF on Llama-3 / Qwen3
// files is tests/tokenizer_parity/run.sh (needs npm).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/nfc.h"
#include "tokenizer/regex_pattern.h"
#include "tokenizer/split_patterns.h"
#include "tokenizer/tokenizer.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<int32_t>;
using nlohmann::json;

fs::path shared_dir() {
  const char* env = std::getenv("IWSI_SHARED_DIR");
  return env != nullptr && *env != 0 ? fs::path(env) : fs::path("../shared");
}

fs::path stories_dir() { return shared_dir() / "models" / "stories260K"; }

const Tokenizer& stories() {
  static const Tokenizer tokenizer = Tokenizer::load(stories_dir().string());
  return tokenizer;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// A fresh temporary model directory holding the given files, removed at the end of the test.
class TempModelDir {
 public:
  TempModelDir() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / ("iwsi_tokenizer_test_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter++));
    fs::create_directories(dir_);
  }
  ~TempModelDir() { fs::remove_all(dir_); }
  TempModelDir& write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return *this;
  }
  TempModelDir& write(const std::string& name, const json& value) { return write(name, value.dump(1)); }
  TempModelDir& write(const std::string& name, const char* text) { return write(name, std::string(text)); }
  std::string path() const { return dir_.string(); }

 private:
  fs::path dir_;
};

// Expects `action` to throw iwsi::Error whose message contains every one of `parts`.
void expect_error_mentions(const std::function<void()>& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "expected an iwsi::Error mentioning " << parts.front();
  } catch (const Error& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "message: " << e.what() << "\nlacks: " << part;
    }
  }
}

Ids concat(Ids a, const Ids& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---- stories260K: the reference generations ------------------------------------------------------

TEST(TokenizerStories260K, EncodesEveryReferencePromptToItsPromptIds) {
  const json reference = read_json(stories_dir() / "reference.json");
  for (const json& c : reference["cases"]) {
    EXPECT_EQ(stories().encode(c["prompt"].get<std::string>()), c["prompt_ids"].get<Ids>()) << c["name"];
  }
}

TEST(TokenizerStories260K, DecodesPromptPlusGenerationToTextAndGenerationAloneToGeneratedText) {
  const json reference = read_json(stories_dir() / "reference.json");
  for (const json& c : reference["cases"]) {
    const Ids prompt = c["prompt_ids"].get<Ids>(), generated = c["generated_ids"].get<Ids>();
    EXPECT_EQ(stories().decode(concat(prompt, generated)), c["text"].get<std::string>()) << c["name"];
    EXPECT_EQ(stories().decode(generated), c["generated_text"].get<std::string>()) << c["name"];
  }
}

TEST(TokenizerStories260K, ReportsItsSpecialTokensAndVocabulary) {
  EXPECT_EQ(stories().vocab_size(), 512);
  EXPECT_EQ(stories().bos_id(), 1);
  EXPECT_EQ(stories().eos_ids(), Ids{2});
  EXPECT_EQ(stories().pad_id(), std::nullopt);  // "pad_token": null
  EXPECT_EQ(stories().token_to_id("<s>"), 1);
  EXPECT_EQ(stories().token_to_id("▁the"), 265);
  EXPECT_EQ(stories().token_to_id("no such token"), std::nullopt);
  EXPECT_EQ(stories().id_to_token(259), "▁t");
  EXPECT_TRUE(stories().is_special(0) && stories().is_special(1) && stories().is_special(2));
  EXPECT_FALSE(stories().is_special(259));
  EXPECT_THROW(stories().id_to_token(512), Error);
  EXPECT_THROW(stories().id_to_token(-1), Error);
}

TEST(TokenizerStories260K, AddsBosOnlyWithSpecialTokensAndNeverEos) {
  EXPECT_EQ(stories().encode("Once upon a time"), (Ids{1, 403, 407, 261, 378}));
  EXPECT_EQ(stories().encode("Once upon a time", false), (Ids{403, 407, 261, 378}));
  EXPECT_EQ(stories().encode(""), Ids{1});
  EXPECT_EQ(stories().encode("", false), Ids{});
}

TEST(TokenizerStories260K, LoadsFromTheTokenizerJsonPathAsFromTheDirectory) {
  const Tokenizer from_file = Tokenizer::load((stories_dir() / "tokenizer.json").string());
  EXPECT_EQ(from_file.encode("The cat sat on the mat."), stories().encode("The cat sat on the mat."));
  EXPECT_EQ(from_file.eos_ids(), Ids{2});  // the config files next to it are read too
}

// ---- byte fallback ---------------------------------------------------------------------------------

Ids byte_ids(const std::string& bytes) {
  Ids ids;
  char name[8];
  for (unsigned char b : bytes) {
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    ids.push_back(*stories().token_to_id(name));
  }
  return ids;
}

TEST(TokenizerByteFallback, SpellsCharactersMissingFromTheVocabularyAsTheirUtf8Bytes) {
  // "ü" and "🍰" are not in the 512-token vocabulary; "▁" and "é" are.
  EXPECT_EQ(stories().encode("ü🍰", false), concat(concat(Ids{*stories().token_to_id("▁")}, byte_ids("ü")), byte_ids("🍰")));
  EXPECT_EQ(stories().encode("é", false), (Ids{*stories().token_to_id("▁"), *stories().token_to_id("é")}));
}

TEST(TokenizerByteFallback, DecodesByteRunsBackToUtf8) {
  EXPECT_EQ(stories().decode(byte_ids("🍰")), "🍰");
  EXPECT_EQ(stories().decode(concat(stories().encode("café "), byte_ids("ü"))), "café ü");
  for (const std::string text : {"naïve café", "日本語", "👍🏽 ok", "e\u0301", "tab\there"}) {
    EXPECT_EQ(stories().decode(stories().encode(text)), text);
  }
}

TEST(TokenizerByteFallback, DecodesAnInvalidByteRunToOneReplacementCharacterPerByte) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(stories().decode(byte_ids("\xF0\x9F")), replacement + replacement);  // a truncated emoji
}

// ---- special tokens written in the text --------------------------------------------------------------

TEST(TokenizerSpecialTokensInText, AreMatchedBeforeNormalizationAndSplitTheText) {
  const Ids hello = stories().encode("Hello", false);
  const Ids world = stories().encode("world", false);  // each stretch gets its own "▁" prefix
  EXPECT_EQ(stories().encode("Hello</s>world"), concat(concat(concat(Ids{1}, hello), Ids{2}), world));
  EXPECT_EQ(stories().encode("<s>"), (Ids{1, 1}));
  EXPECT_EQ(stories().encode("<s></s>", false), (Ids{1, 2}));
  EXPECT_NE(stories().encode("< s>", false)[0], 1);  // not the token
}

TEST(TokenizerSpecialTokensInText, AreDroppedOrKeptByDecodeAsAsked) {
  const Ids ids = stories().encode("Once upon a time");
  EXPECT_EQ(stories().decode(ids, true), "Once upon a time");
  EXPECT_EQ(stories().decode(ids, false), "<s> Once upon a time");  // Strip only removes a leading space
}

// ---- byte-level BPE (GPT-2 style), built here ------------------------------------------------------

// A byte-level BPE whose vocabulary is the 256 byte symbols (id = byte) plus "Ġt", "he", "Ġthe".
json byte_level_tokenizer_json() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_level::bytes_to_symbols(std::string(1, static_cast<char>(b)))] = b;
  vocab["Ġt"] = 256;
  vocab["he"] = 257;
  vocab["Ġthe"] = 258;
  json level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", {{{"id", 259}, {"content", "<|endoftext|>"}, {"special", true}, {"single_word", false},
                             {"lstrip", false}, {"rstrip", false}, {"normalized", false}}}},
          {"normalizer", nullptr},
          {"pre_tokenizer", level},
          {"post_processor", level},
          {"decoder", level},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"Ġ t", "h e", "Ġt he"}}}}};
}

TEST(TokenizerByteLevelBpe, MergesByRankWithinEachRegexPiece) {
  TempModelDir dir;
  dir.write("tokenizer.json", byte_level_tokenizer_json());
  const Tokenizer t = Tokenizer::load(dir.path());
  EXPECT_EQ(t.encode(" the"), Ids{258});
  EXPECT_EQ(t.encode("the the"), (Ids{'t', 257, 258}));
  EXPECT_EQ(t.encode("the<|endoftext|>"), (Ids{'t', 257, 259}));
  EXPECT_EQ(t.bos_id(), std::nullopt);
  EXPECT_EQ(t.vocab_size(), 260);
}

TEST(TokenizerByteLevelBpe, RoundTripsAnyTextExactly) {
  TempModelDir dir;
  dir.write("tokenizer.json", byte_level_tokenizer_json());
  const Tokenizer t = Tokenizer::load(dir.path());
  const std::vector<std::string> texts = {"Hello, world!", "  two  spaces\n\n\ttabs", "café e\u0301 🍰 日本語",
                                          "I'll DON'T", std::string("nul\0byte", 8)};
  for (const std::string& text : texts) {
    EXPECT_EQ(t.decode(t.encode(text)), text);
  }
  EXPECT_EQ(t.decode({259, 't'}, false), "<|endoftext|>t");
  EXPECT_EQ(t.decode({259, 't'}, true), "t");
  EXPECT_EQ(t.decode({0xF0, 'a'}), "\xEF\xBF\xBD" "a");  // a lone lead byte decodes lossily
}

// ---- continuations: the text a model writes after an encoded prompt ---------------------------------

TEST(TokenizerContinuation, ByteLevelNeverMergesAcrossTheJoin) {
  // Llama-3's case: a prompt ending in "A: " encodes its trailing space as a token of its own, so the
  // answer the model writes after it starts without a space; encoding prompt + answer as one text
  // would merge that space into the first answer token instead.
  TempModelDir dir;
  dir.write("tokenizer.json", byte_level_tokenizer_json());
  const Tokenizer t = Tokenizer::load(dir.path());
  const std::string prompt = "A: ", answer = "the the";
  const Ids p = t.encode(prompt), a = t.encode_continuation(answer);
  EXPECT_EQ(p, (Ids{'A', ':', ' '}));
  EXPECT_EQ(a, (Ids{'t', 257, 258}));
  EXPECT_EQ(t.encode(prompt + answer), (Ids{'A', ':', 258, 258}));  // the merged boundary
  EXPECT_EQ(t.decode(concat(p, a)), prompt + answer);
  // With add_prefix_space, a text gets a leading space; a continuation never does.
  json config = byte_level_tokenizer_json();
  config["pre_tokenizer"]["add_prefix_space"] = true;
  TempModelDir spaced;
  spaced.write("tokenizer.json", config);
  const Tokenizer s = Tokenizer::load(spaced.path());
  EXPECT_EQ(s.encode("the", false), Ids{258});
  EXPECT_EQ(s.encode_continuation("the"), (Ids{'t', 257}));
  EXPECT_EQ(s.encode_continuation(" the"), Ids{258});
}

TEST(TokenizerContinuation, SentencePieceGetsNoDummyPrefixInEitherVariant) {
  // stories260K (Llama-2 style): Prepend("▁") normalizer; the Metaspace variant: prepend_scheme first
  // or always. A continuation carries none of them, and never BOS.
  json metaspace = read_json(stories_dir() / "tokenizer.json");
  metaspace["normalizer"] = nullptr;
  metaspace["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}, {"split", false}};
  TempModelDir dir;
  dir.write("tokenizer.json", metaspace);
  const Tokenizer always = Tokenizer::load(dir.path());
  for (const Tokenizer* t : {&stories(), &always}) {
    const Ids with_prefix = t->encode("Once upon", false), continued = t->encode_continuation("Once upon");
    EXPECT_EQ(t->id_to_token(with_prefix.front()).rfind("▁", 0), 0u);
    EXPECT_NE(t->id_to_token(continued.front()).rfind("▁", 0), 0u) << t->id_to_token(continued.front());
    // The text's own leading space is kept: it becomes the "▁" of its first token.
    EXPECT_EQ(t->id_to_token(t->encode_continuation(" upon").front()).rfind("▁", 0), 0u);
    // Prompt ids + continuation ids read back as prompt + answer.
    const Ids prompt = t->encode("Q: Tom has a cat.\nA: ", true), answer = t->encode_continuation("The cat is big.");
    EXPECT_EQ(t->decode(concat(prompt, answer)), "Q: Tom has a cat.\nA: The cat is big.");
    EXPECT_EQ(t->encode_continuation(""), Ids{});
  }
  // Added tokens written in the text still match; only the stretch before the first is a continuation.
  EXPECT_EQ(stories().encode_continuation("x</s>Once"),
            concat(stories().encode_continuation("x"), stories().encode("</s>Once", false)));
}

// ---- WordLevel (the synthetic demo's tokenizer) ------------------------------------------------------

json word_level_tokenizer_json(const json& pre_tokenizer) {
  json added = json::array();
  for (const auto& [content, id] : {std::pair{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}}) {
    added.push_back({{"id", id}, {"content", content}, {"special", true}, {"single_word", false},
                     {"lstrip", false}, {"rstrip", false}, {"normalized", false}});
  }
  const json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {"the", 3}, {"answer", 4},
                      {"is", 5},    {"42", 6},  {".", 7}};
  return {{"version", "1.0"},      {"truncation", nullptr}, {"padding", nullptr},
          {"added_tokens", added}, {"normalizer", nullptr}, {"pre_tokenizer", pre_tokenizer},
          {"post_processor", nullptr}, {"decoder", nullptr},
          {"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "<unk>"}}}};
}

TEST(TokenizerWordLevel, MapsWhitespaceSeparatedWordsAndUnknownsToUnk) {
  TempModelDir dir;
  dir.write("tokenizer.json", word_level_tokenizer_json({{"type", "WhitespaceSplit"}}));
  const Tokenizer t = Tokenizer::load(dir.path());
  EXPECT_EQ(t.encode("the answer is 42"), (Ids{3, 4, 5, 6}));
  EXPECT_EQ(t.encode("  the\tanswer\n is   unknown "), (Ids{3, 4, 5, 0}));
  EXPECT_EQ(t.encode("answer."), Ids{0});  // WhitespaceSplit keeps punctuation attached
  EXPECT_EQ(t.encode("<s>the answer</s>"), (Ids{1, 3, 4, 2}));
  EXPECT_EQ(t.decode({1, 3, 4, 5, 6, 2}), "the answer is 42");  // no decoder: tokens joined by spaces
  EXPECT_EQ(t.decode({1, 3, 2}, false), "<s> the </s>");
}

TEST(TokenizerWordLevel, WhitespacePreTokenizerSplitsPunctuationOff) {
  TempModelDir dir;
  dir.write("tokenizer.json", word_level_tokenizer_json({{"type", "Whitespace"}}));
  EXPECT_EQ(Tokenizer::load(dir.path()).encode("the answer is 42."), (Ids{3, 4, 5, 6, 7}));
}

TEST(TokenizerWordLevel, TakesSpecialTokensFromTheConfigFilesAndAddsThemWhenAsked) {
  TempModelDir dir;
  dir.write("tokenizer.json", word_level_tokenizer_json({{"type", "WhitespaceSplit"}}))
      .write("tokenizer_config.json", json{{"bos_token", "<s>"}, {"eos_token", {{"content", "</s>"}}},
                                           {"pad_token", "<unk>"}, {"add_bos_token", true}, {"add_eos_token", true}})
      .write("generation_config.json", json{{"eos_token_id", {7, 2}}});
  const Tokenizer t = Tokenizer::load(dir.path());
  EXPECT_EQ(t.bos_id(), 1);
  EXPECT_EQ(t.eos_ids(), (Ids{7, 2}));  // generation_config's list first, then tokenizer_config's
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.encode("the answer"), (Ids{1, 3, 4, 2}));
  EXPECT_EQ(t.encode("the answer", false), (Ids{3, 4}));
}

// ---- Metaspace variant of the Llama-2 tokenizer ----------------------------------------------------

TEST(TokenizerMetaspace, PreTokenizerAndDecoderReproduceTheNormalizerVariant) {
  json config = read_json(stories_dir() / "tokenizer.json");
  config["normalizer"] = nullptr;
  config["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"}, {"split", false}};
  config["decoder"] = json{{"type", "Sequence"},
                           {"decoders", {{{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"}, {"split", false}},
                                         {{"type", "ByteFallback"}},
                                         {{"type", "Fuse"}}}}};
  TempModelDir dir;
  dir.write("tokenizer.json", config);
  const Tokenizer t = Tokenizer::load(dir.path());
  const json reference = read_json(stories_dir() / "reference.json");
  for (const json& c : reference["cases"]) {
    EXPECT_EQ(t.encode(c["prompt"].get<std::string>()), c["prompt_ids"].get<Ids>()) << c["name"];
    EXPECT_EQ(t.decode(c["prompt_ids"].get<Ids>()), c["prompt"].get<std::string>()) << c["name"];
  }
  // "first": only a stretch at the very start of the text gets the "▁" prefix.
  const Ids after_special = t.encode("</s>Once", false);
  EXPECT_EQ(after_special.front(), 2);
  EXPECT_NE(after_special, concat(Ids{2}, stories().encode("Once", false)));
  EXPECT_EQ(t.decode(after_special), "Once");
}

// ---- the hand-written split regexes ------------------------------------------------------------------

std::vector<std::string> pieces(const SplitPattern& pattern, const std::string& text) {
  std::vector<std::string> out;
  for (const TextRange& r : pattern.find_all(text)) out.push_back(text.substr(r.begin, r.end - r.begin));
  return out;
}

constexpr const char* kLlama3Regex =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr const char* kQwen2Regex =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

using Pieces = std::vector<std::string>;

Pieces onig_pieces(const OnigurumaPattern& pattern, const std::string& text) {
  Pieces out;
  for (const TextRange& r : pattern.find_all(text)) out.push_back(text.substr(r.begin, r.end - r.begin));
  return out;
}

TEST(TokenizerSplitPatterns, Llama3SplitsLikeTheRegex) {  // expectations taken from the regex run in JavaScript
  const SplitPattern llama3 = *SplitPattern::recognize(kLlama3Regex);
  EXPECT_EQ(pieces(llama3, "I'LL DON'T it's"), (Pieces{"I", "'LL", " DON", "'T", " it", "'s"}));
  EXPECT_EQ(pieces(llama3, "12345 and 1,234.5"), (Pieces{"123", "45", " and", " ", "1", ",", "234", ".", "5"}));
  EXPECT_EQ(pieces(llama3, "  a\n\n b\t\tc  "), (Pieces{" ", " a", "\n\n", " b", "\t", "\tc", "  "}));
  EXPECT_EQ(pieces(llama3, "Hello  world!!\n\n  next"), (Pieces{"Hello", " ", " world", "!!\n\n", " ", " next"}));
  EXPECT_EQ(pieces(llama3, "(hello) ...\n\nok"), (Pieces{"(hello", ")", " ...\n\n", "ok"}));
  EXPECT_EQ(pieces(llama3, "x \n\t y"), (Pieces{"x", " \n", "\t", " y"}));
}

TEST(TokenizerSplitPatterns, Qwen2TakesDigitsOneByOne) {
  const SplitPattern qwen2 = *SplitPattern::recognize(kQwen2Regex);
  EXPECT_EQ(pieces(qwen2, "12345 and 1,234"), (Pieces{"1", "2", "3", "4", "5", " and", " ", "1", ",", "2", "3", "4"}));
}

TEST(TokenizerSplitPatterns, Gpt2KeepsContractionsCaseSensitiveAndNumbersWhole) {
  const SplitPattern gpt2 = SplitPattern::gpt2();
  EXPECT_EQ(pieces(gpt2, "I'LL DON'T it's"), (Pieces{"I", "'", "LL", " DON", "'", "T", " it", "'s"}));
  EXPECT_EQ(pieces(gpt2, "12345 and 1,234.5"), (Pieces{"12345", " and", " 1", ",", "234", ".", "5"}));
  EXPECT_EQ(pieces(gpt2, "(hello) ...\n\nok"), (Pieces{"(", "hello", ")", " ...", "\n", "\n", "ok"}));
  EXPECT_EQ(pieces(gpt2, "x \n\t y"), (Pieces{"x", " \n\t", " y"}));
}

TEST(TokenizerSplitPatterns, UnknownRegexesAreNotRecognized) {
  EXPECT_FALSE(SplitPattern::recognize(R"(\p{L}+|\s+)").has_value());
}

// ---- any other split regex: Oniguruma, HF's own engine ------------------------------------------------

TEST(TokenizerSplitPatterns, OnigurumaMatchesTheHandWrittenMatchersOnTheirPatterns) {
  // The hand-written matchers were checked against the regexes run in JavaScript; Oniguruma, which
  // runs every other pattern, must agree with them on theirs.
  const std::vector<std::string> texts = {
      "I'LL DON'T it's", "12345 and 1,234.5", "  a\n\n b\t\tc  ", "Hello  world!!\n\n  next", "(hello) ...\n\nok",
      "x \n\t y", "café e\u0301 🍰 日本語 ١٢٣ Ωmega", "She sold 48/2 = 24 clips.\nThe answer is 72.", "", " ", "\r\n\r\n"};
  for (const char* regex : {kLlama3Regex, kQwen2Regex}) {
    std::string error;
    const auto onig = OnigurumaPattern::compile(regex, error);
    ASSERT_TRUE(onig) << error;
    const SplitPattern known = *SplitPattern::recognize(regex);
    for (const std::string& text : texts) EXPECT_EQ(pieces(known, text), onig_pieces(*onig, text)) << regex << " on " << text;
  }
}

TEST(TokenizerSplitPatterns, OnigurumaRunsPatternsWithoutAHandWrittenMatcher) {
  std::string error;
  const auto digits = OnigurumaPattern::compile("\\p{N}{1,3}", error);
  ASSERT_TRUE(digits) << error;
  EXPECT_EQ(onig_pieces(*digits, "a12345b٣"), (Pieces{"123", "45", "٣"}));
  const auto cjk = OnigurumaPattern::compile("[\u4e00-\u9fa5]+", error);
  ASSERT_TRUE(cjk) << error;
  EXPECT_EQ(onig_pieces(*cjk, "ab日本語cd中"), (Pieces{"日本語", "中"}));
  const auto maybe_empty = OnigurumaPattern::compile("a*", error);  // empty matches are skipped
  EXPECT_EQ(onig_pieces(*maybe_empty, "baab"), (Pieces{"aa"}));
  EXPECT_FALSE(OnigurumaPattern::compile("(unclosed", error));
  EXPECT_FALSE(error.empty());
  EXPECT_THROW(digits->find_all("\xff\xfe12"), Error);  // not UTF-8
}

// ---- NFC ---------------------------------------------------------------------------------------------

TEST(TokenizerNfc, ComposesReordersAndLeavesComposedTextAlone) {
  EXPECT_EQ(unicode::nfc("cafe\u0301"), "café");
  EXPECT_EQ(unicode::nfc("café"), "café");
  EXPECT_EQ(unicode::nfc("a\u0301\u0323"), "\u1ea1\u0301");  // marks sorted by combining class first
  EXPECT_EQ(unicode::nfc("a\u0323\u0301"), "\u1ea1\u0301");
  EXPECT_EQ(unicode::nfc("\u212b"), "\u00c5");                // ANGSTROM SIGN is a singleton
  EXPECT_EQ(unicode::nfc("\u1112\u1161\u11ab"), "\ud55c");    // Hangul jamo compose arithmetically
  EXPECT_EQ(unicode::nfc("\u0301e"), "\u0301e");              // a leading mark stays
  EXPECT_EQ(unicode::nfc("plain ASCII"), "plain ASCII");
}

// ---- what is not supported fails at load, naming the file and the field -----------------------------

TEST(TokenizerLoadErrors, NameTheFileAndTheFieldOfWhatIsNotSupported) {
  json config = word_level_tokenizer_json({{"type", "WhitespaceSplit"}});
  const auto load_with = [](const json& c) {
    TempModelDir dir;
    dir.write("tokenizer.json", c);
    Tokenizer::load(dir.path());
  };
  json unigram = config;
  unigram["model"]["type"] = "Unigram";
  expect_error_mentions([&] { load_with(unigram); }, {"tokenizer.json", "model.type", "Unigram"});

  json regex = config;
  regex["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+(?<bad"}}}, {"behavior", "Isolated"}};
  expect_error_mentions([&] { load_with(regex); },
                        {"tokenizer.json", "pre_tokenizer.pattern.Regex", "\\p{L}+(?<bad", "does not compile"});

  json lowercase = config;
  lowercase["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "Lowercase"}}}}};
  expect_error_mentions([&] { load_with(lowercase); }, {"normalizer.normalizers[0].type", "Lowercase"});

  json truncation = config;
  truncation["truncation"] = {{"max_length", 8}};
  expect_error_mentions([&] { load_with(truncation); }, {"truncation"});

  json dropout = read_json(stories_dir() / "tokenizer.json");
  dropout["model"]["dropout"] = 0.1;
  expect_error_mentions([&] { load_with(dropout); }, {"model.dropout"});
}

TEST(TokenizerLoadErrors, NameMissingOrBrokenFiles) {
  expect_error_mentions([] { Tokenizer::load("/nonexistent/model"); }, {"/nonexistent/model", "does not exist"});
  TempModelDir dir;
  dir.write("tokenizer.json", "{ not json");
  expect_error_mentions([&] { Tokenizer::load(dir.path()); }, {"tokenizer.json", "not valid JSON"});
  TempModelDir bad_config;
  bad_config.write("tokenizer.json", word_level_tokenizer_json({{"type", "WhitespaceSplit"}}))
      .write("tokenizer_config.json", json{{"eos_token", "<eos>"}});
  expect_error_mentions([&] { Tokenizer::load(bad_config.path()); }, {"tokenizer_config.json", "eos_token", "<eos>"});
}

}  // namespace
}  // namespace iwsi
