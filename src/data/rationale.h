// Human rationales in the training / valid text format, which always ends with the answer
// sentence that extraction reads back: "The answer is 18." or "The answer is (B)."
// GSM8K-style solutions ("<<48/2=24>>" calculator notes, a last line "#### 72") are rewritten
// here; deliberately nothing about prompts (prompt.h) or file reading (the dataset readers).
#pragma once

#include <string>
#include <vector>

#include "data/example.h"

namespace iwsi {

// "The answer is 18." for numbers, "The answer is (B)." for choice letters.
std::string answer_sentence(const std::string& answer, AnswerKind kind);

// `text` with every "<<...>>" calculator note removed.
std::string strip_calculator_notes(const std::string& text);

// A GSM8K `answer` field as a rationale: notes removed, the "#### N" tail rewritten as
// "The answer is N." (N as written, e.g. "1,080"). Throws iwsi::Error when "####" is missing
// or has no value after it.
std::string format_gsm8k_rationale(const std::string& answer_field);

// The canonical value of the "#### N" tail ("#### 1,080" -> "1080"); throws when missing or
// not a number.
std::string gsm8k_final_answer(const std::string& answer_field);

// The sentences trimmed, each given a full stop when it has no final punctuation, joined by
// spaces (StrategyQA's facts: "Albany, GA has around 75,000 people" -> "... people.").
std::string join_sentences(const std::vector<std::string>& sentences);

// `sentence` followed by " The answer is ...", adding a full stop to the sentence when it has
// no final punctuation. Empty `sentence` gives just the answer sentence.
std::string append_answer_sentence(const std::string& sentence, const std::string& answer, AnswerKind kind);

}  // namespace iwsi
