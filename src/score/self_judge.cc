#include "score/self_judge.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace iwsi {

constexpr int kMaxScore = 10;

std::string judge_text(const std::string& training_prompt, const std::string& answer, const std::string& request) {
  return training_prompt + answer + request;
}

JudgeInput judge_input(const Tokenizer& tokenizer, const std::string& text) {
  std::vector<std::vector<int32_t>> encoded;
  for (int value = 0; value <= kMaxScore; ++value) encoded.push_back(tokenizer.encode(text + " " + std::to_string(value), true));
  size_t shared = encoded[0].size();
  for (const auto& ids : encoded) {
    size_t i = 0;
    while (i < shared && i < ids.size() && ids[i] == encoded[0][i]) ++i;
    shared = i;
  }
  JudgeInput input{{encoded[0].begin(), encoded[0].begin() + static_cast<std::ptrdiff_t>(shared)}, {}};
  int scorable = 0;
  for (const auto& ids : encoded) {
    const bool one_token = ids.size() == shared + 1;
    input.value_tokens.push_back(one_token ? ids[shared] : -1);
    scorable += one_token;
  }
  // Two values sharing a token (a tokenizer that emits "1" for both "1" and the start of "10")
  // would count that probability twice; keep the first.
  for (size_t v = 0; v < input.value_tokens.size(); ++v)
    for (size_t u = 0; u < v; ++u)
      if (input.value_tokens[v] != -1 && input.value_tokens[v] == input.value_tokens[u]) {
        input.value_tokens[v] = -1;
        --scorable;
      }
  IWSI_CHECK(!input.prompt_ids.empty() && scorable >= 2, "self judgement: the tokenizer has a single token for only ",
             scorable, " of the scores 0..10 after \"", text.substr(text.size() > 40 ? text.size() - 40 : 0),
             "\"; a 0-10 scale cannot be read off the next token");
  return input;
}

JudgeMethod parse_judge_method(const std::string& name, const std::string& option) {
  if (name == "expected") return JudgeMethod::expected;
  if (name == "generated") return JudgeMethod::generated;
  fail("option --", option, "=", name, " is not a judging method (expected, generated)");
}

const char* judge_method_name(JudgeMethod method) { return method == JudgeMethod::expected ? "expected" : "generated"; }

double rating_from_text(std::string_view generated) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t begin = 0;
  while (begin < generated.size() && !is_digit(generated[begin])) ++begin;
  if (begin == generated.size()) return 0;
  size_t end = begin;
  while (end < generated.size() && is_digit(generated[end])) ++end;
  if (end < generated.size() && generated[end] == '.') {  // "\.?\d*": a point, then any digits
    ++end;
    while (end < generated.size() && is_digit(generated[end])) ++end;
  }
  const std::string number(generated.substr(begin, std::min<size_t>(end - begin, 20)));
  return std::clamp(std::stod(number), 0.0, static_cast<double>(kMaxScore));
}

double expected_score(const std::vector<double>& log_probs, const std::vector<int32_t>& value_tokens) {
  IWSI_CHECK(log_probs.size() == value_tokens.size(), "expected_score: ", log_probs.size(), " log-probabilities for ",
             value_tokens.size(), " values");
  double top = -INFINITY;  // subtracted before exponentiating, so tiny probabilities do not underflow to 0/0
  for (size_t v = 0; v < log_probs.size(); ++v)
    if (value_tokens[v] != -1) top = std::max(top, log_probs[v]);
  double mass = 0, weighted = 0;
  for (size_t v = 0; v < log_probs.size(); ++v) {
    if (value_tokens[v] == -1) continue;
    const double p = std::exp(log_probs[v] - top);
    mass += p;
    weighted += p * static_cast<double>(v);
  }
  IWSI_CHECK(std::isfinite(top) && mass > 0, "expected_score: no score value has a finite log-probability");
  return weighted / mass;
}

}  // namespace iwsi
