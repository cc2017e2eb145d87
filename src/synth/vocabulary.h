// The word-level vocabulary of the synthetic task and the Hugging Face files a base model directory
// needs around it: tokenizer.json (WordLevel model, WhitespaceSplit pre-tokenizer, a TemplateProcessing
// post-processor that prepends <s>, no decoder, so decode joins tokens with single spaces),
// tokenizer_config.json, generation_config.json and the LlamaForCausalLM config.json of the demo's base
// model (DEMO.md: hidden 128, 2 layers, 4 heads). The vocabulary comes from the grammar (problem.h),
// the prompt scaffolding and the full number range, never from one draw, so it is the same for every
// seed and no text of any split maps to [UNK]. Whitespace, newlines included, is not a token: a
// decoded text has single spaces where the original had "\n".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace iwsi {

inline constexpr const char* kSynthUnk = "[UNK]";  // id 0
inline constexpr const char* kSynthBos = "<s>";    // id 1
inline constexpr const char* kSynthEos = "</s>";   // id 2
inline constexpr const char* kSynthPad = "<pad>";  // id 3

// Token strings in id order: the four special tokens, the prompt scaffolding ("Q:", "A:", "The",
// "answer", "is"), names, nouns, question words, equation symbols, "0".."kMaxValue" and the answer
// sentence's "0."..".kMaxValue.".
std::vector<std::string> synth_vocabulary();

nlohmann::ordered_json synth_tokenizer_json(const std::vector<std::string>& vocabulary);
nlohmann::ordered_json synth_tokenizer_config_json();
nlohmann::ordered_json synth_generation_config_json();
// config.json of the demo's base model for a vocabulary of `vocab_size` tokens.
nlohmann::ordered_json synth_base_model_config_json(int64_t vocab_size);

}  // namespace iwsi
