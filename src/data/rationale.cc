// Rationales in training format; see rationale.h.
#include "data/rationale.h"

#include "core/error.h"
#include "data/answer.h"
#include "data/text.h"

namespace iwsi {
namespace {

constexpr const char* kFinalMarker = "####";

// The text after the last "####", trimmed; throws when absent or empty.
std::string final_value(const std::string& answer_field) {
  const size_t marker = answer_field.rfind(kFinalMarker);
  IWSI_CHECK(marker != std::string::npos, "GSM8K-format answer has no \"####\" final-answer line");
  std::string value = trim_whitespace(answer_field.substr(marker + 4));
  IWSI_CHECK(!value.empty(), "GSM8K-format answer has nothing after \"####\"");
  return value;
}

}  // namespace

std::string answer_sentence(const std::string& answer, AnswerKind kind) {
  return kind == AnswerKind::choice ? "The answer is (" + answer + ")." : "The answer is " + answer + ".";
}

std::string strip_calculator_notes(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("<<", pos);
    const size_t close = open == std::string::npos ? std::string::npos : text.find(">>", open + 2);
    if (close == std::string::npos) {  // no (complete) note left: keep the rest verbatim
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, open - pos);
    pos = close + 2;
  }
  return out;
}

std::string format_gsm8k_rationale(const std::string& answer_field) {
  const std::string value = final_value(answer_field);
  const std::string body = strip_calculator_notes(answer_field.substr(0, answer_field.rfind(kFinalMarker)));
  return body + "The answer is " + value + ".";
}

std::string gsm8k_final_answer(const std::string& answer_field) {
  const std::string value = final_value(answer_field);
  const std::optional<std::string> number = canonical_number(value);
  IWSI_CHECK(number.has_value(), "GSM8K-format final answer is not a number: \"", value, "\"");
  return *number;
}

namespace {

std::string with_final_punctuation(std::string sentence) {
  const char last = sentence.empty() ? '.' : sentence.back();
  if (last != '.' && last != '!' && last != '?') sentence += '.';
  return sentence;
}

}  // namespace

std::string join_sentences(const std::vector<std::string>& sentences) {
  std::string joined;
  for (const std::string& sentence : sentences) {
    const std::string text = trim_whitespace(sentence);
    if (text.empty()) continue;
    joined += (joined.empty() ? "" : " ") + with_final_punctuation(text);
  }
  return joined;
}

std::string append_answer_sentence(const std::string& sentence, const std::string& answer, AnswerKind kind) {
  const std::string text = trim_whitespace(sentence);
  if (text.empty()) return answer_sentence(answer, kind);
  return with_final_punctuation(text) + " " + answer_sentence(answer, kind);
}

}  // namespace iwsi
