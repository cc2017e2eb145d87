// The `self` baseline's judgement (../shared/docs/IWSI.md section 5): the base model reads a question, one
// of its own answers and a request to rate it, and its next-token distribution after "Score:" is
// read over the tokens "0" .. "10". The expected score, probability-weighted over those tokens
// and renormalised to them, is the sample's self score. No model here: the text, its token ids and
// the arithmetic on log-probabilities; the forward pass is next_token_log_probs (model/loss.h).
//
// The official code's variant (judge.method = generated; self_weight.py of
// github.com/rubickkcibur/IWSI) instead samples a continuation of the judging text and reads the
// first number in it: rating_from_text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace iwsi {

// The default judging request, appended to the training text "Q: q\nA: answer". It must end
// with "Score:"; the score follows after a space.
inline constexpr const char* kDefaultJudgeRequest =
    "\nIs the reasoning above correct and clearly written? Rate it from 0 (wrong) to 10 (perfect).\nScore:";

// The token ids of the judging text and, for each score value 0..10, the single token that
// continues it ("Score: 7" = the text's ids + that token), or -1 where the value takes several
// tokens (e.g. "10" in a tokenizer that splits digits) or changes how the text itself is cut.
struct JudgeInput {
  std::vector<int32_t> prompt_ids;  // BOS + the judging text, as the model reads it
  std::vector<int32_t> value_tokens;  // 11 entries, index = score value
};

// "Q: q\nA: answer" + request.
std::string judge_text(const std::string& training_prompt, const std::string& answer, const std::string& request);

// The judging text's ids are the longest prefix shared by the encodings of "text 0" .. "text 10"
// (so a tokenizer that merges the space into the digit, like Llama-3's, and one that keeps it
// apart, like SentencePiece's, both give the true next token). Throws when fewer than two values
// are single tokens: the tokenizer cannot express a 0-10 scale after this text.
JudgeInput judge_input(const Tokenizer& tokenizer, const std::string& text);

// How a candidate's self score is read: the expectation over the next token's "0" .. "10"
// (ours), or a sampled rating parsed from text (the official code's).
enum class JudgeMethod { expected, generated };
JudgeMethod parse_judge_method(const std::string& name, const std::string& option);  // throws naming option
const char* judge_method_name(JudgeMethod method);

// The first number of `generated` (the official pattern (\d+\.?\d*), cut to 20 characters),
// clamped to [0, 10]; 0 when the text holds no number, as the official code scores it.
double rating_from_text(std::string_view generated);

// sum_v p(v) * v / sum_v p(v) over the values with a token; log_probs[v] belongs to value v
// (ignored where value_tokens[v] == -1). In [0, 10].
double expected_score(const std::vector<double>& log_probs, const std::vector<int32_t>& value_tokens);

}  // namespace iwsi
