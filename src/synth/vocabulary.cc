// The synthetic task's vocabulary and model-directory files; see vocabulary.h.
#include "synth/vocabulary.h"

#include <set>

#include "core/error.h"
#include "synth/problem.h"

namespace iwsi {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json special_token(int id, const char* content) {
  return {{"id", id},           {"content", content}, {"single_word", false}, {"lstrip", false},
          {"rstrip", false},    {"normalized", false}, {"special", true}};
}

ordered_json special_piece(const char* token, int type_id) { return {{"SpecialToken", {{"id", token}, {"type_id", type_id}}}}; }
ordered_json sequence_piece(const char* sequence, int type_id) { return {{"Sequence", {{"id", sequence}, {"type_id", type_id}}}}; }

// <s> $A (and <s> $A <s> $B for pairs), as the Llama tokenizers write it.
ordered_json bos_template() {
  return {{"type", "TemplateProcessing"},
          {"single", {special_piece(kSynthBos, 0), sequence_piece("A", 0)}},
          {"pair", {special_piece(kSynthBos, 0), sequence_piece("A", 0), special_piece(kSynthBos, 1), sequence_piece("B", 1)}},
          {"special_tokens", {{kSynthBos, {{"id", kSynthBos}, {"ids", {1}}, {"tokens", {kSynthBos}}}}}}};
}

}  // namespace

std::vector<std::string> synth_vocabulary() {
  std::vector<std::string> tokens = {kSynthUnk, kSynthBos, kSynthEos, kSynthPad, "Q:", "A:", "The", "answer", "is"};
  for (const auto* list : {&synth_names(), &synth_nouns(), &synth_question_words()})
    tokens.insert(tokens.end(), list->begin(), list->end());
  for (const char* symbol : {"+", "-", "="}) tokens.push_back(symbol);
  for (int n = 0; n <= kMaxValue; ++n) tokens.push_back(std::to_string(n));
  for (int n = 0; n <= kMaxValue; ++n) tokens.push_back(std::to_string(n) + ".");
  // A word listed twice would silently take two ids: dropped, keeping the first.
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const std::string& token : tokens)
    if (seen.insert(token).second) unique.push_back(token);
  return unique;
}

ordered_json synth_tokenizer_json(const std::vector<std::string>& vocabulary) {
  IWSI_CHECK(vocabulary.size() > 4 && vocabulary[0] == kSynthUnk && vocabulary[1] == kSynthBos &&
                 vocabulary[2] == kSynthEos && vocabulary[3] == kSynthPad,
             "synth: the vocabulary must start with ", kSynthUnk, " ", kSynthBos, " ", kSynthEos, " ", kSynthPad);
  ordered_json vocab = ordered_json::object();
  for (size_t id = 0; id < vocabulary.size(); ++id) vocab[vocabulary[id]] = id;
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", {special_token(0, kSynthUnk), special_token(1, kSynthBos), special_token(2, kSynthEos),
                            special_token(3, kSynthPad)}},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
          {"post_processor", bos_template()},
          {"decoder", nullptr},  // HF joins WordLevel tokens with " " when there is no decoder
          {"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", kSynthUnk}}}};
}

ordered_json synth_tokenizer_config_json() {
  return {{"tokenizer_class", "PreTrainedTokenizerFast"},
          {"add_bos_token", true},
          {"add_eos_token", false},
          {"bos_token", kSynthBos},
          {"eos_token", kSynthEos},
          {"unk_token", kSynthUnk},
          {"pad_token", kSynthPad},
          {"clean_up_tokenization_spaces", false},  // keep "9 ." as written: decode is then a round trip
          {"model_max_length", 512}};
}

ordered_json synth_generation_config_json() { return {{"bos_token_id", 1}, {"eos_token_id", 2}, {"pad_token_id", 3}}; }

ordered_json synth_base_model_config_json(int64_t vocab_size) {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"vocab_size", vocab_size},
          {"hidden_size", 128},
          {"intermediate_size", 344},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 4},
          {"head_dim", 32},
          {"hidden_act", "silu"},
          {"max_position_embeddings", 512},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 10000.0},
          {"rope_scaling", nullptr},
          {"tie_word_embeddings", true},
          {"attention_bias", false},
          {"mlp_bias", false},
          {"bos_token_id", 1},
          {"eos_token_id", 2},
          {"pad_token_id", 3},
          {"initializer_range", 0.02},
          {"torch_dtype", "float32"}};
}

}  // namespace iwsi
