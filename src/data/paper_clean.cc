// The official candidate post-processing; see paper_clean.h.
#include "data/paper_clean.h"

#include <cctype>

#include "data/answer.h"
#include "data/text.h"

namespace iwsi {

std::string paper_cleaned_sample(const std::string& text) {
  std::string answer = text + "\n";
  answer = answer.substr(0, answer.find("Q:"));
  for (size_t at = answer.find("A:"); at != std::string::npos; at = answer.find("A:", at)) answer.erase(at, 2);
  std::string lower = answer;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kMarker = "the answer is";
  const size_t marker = lower.rfind(kMarker);
  if (marker != std::string::npos) {
    // derive_num_from_output on the whole text: the number after its last "the answer is".
    if (const std::optional<std::string> number = extract_answer(answer, AnswerKind::number, AnswerRule::paper))
      answer = answer.substr(0, marker + kMarker.size()) + " " + *number + ".";
  }
  return trim_whitespace(answer);
}

}  // namespace iwsi
