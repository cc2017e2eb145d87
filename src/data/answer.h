// Final-answer extraction from model or human text, exactly as ../shared/docs/IWSI.md section 4:
// numbers after the last "the answer is" (the "=" rule, thousands separators, signs, decimals,
// "$" and units handled) and choice letters "(B)". Answers come back in canonical form so that
// plain string equality is the vote and the accuracy test. Deliberately no truncation to int
// (the paper's code does int(float(x)); we compare exact values).
// AnswerRule::paper is the official code's rule instead (derive_num_from_output /
// derive_choice_from_output): the whole text when it has no "the answer is", no minus sign,
// and numbers compared as int(float(x)). eval.protocol = paper and generate.clean = paper use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "data/example.h"

namespace iwsi {

enum class AnswerRule { ours, paper };

// The final answer in `text`, canonical ("18", "-2.5", "B"), or nullopt when unparsable.
// Under AnswerRule::paper a number comes back as int(float(x)) ("12.7" -> "12").
std::optional<std::string> extract_answer(std::string_view text, AnswerKind kind, AnswerRule rule = AnswerRule::ours);

// True when both are the same answer: numbers by exact value ("18.0" == "18"; under
// AnswerRule::paper by int(float(x)), so "2.5" == "2"), anything else by exact string equality.
bool answers_equal(std::string_view a, std::string_view b, AnswerRule rule = AnswerRule::ours);

// A whole numeric literal ("-1,080.50", " 51.0 ") in canonical form ("-1080.5", "51");
// nullopt if the text is anything else. Used for gold answers read from the datasets.
std::optional<std::string> canonical_number(std::string_view literal);

// The first number in free text, canonical, with a sign taken from a '-' (or U+2212) right
// before it (a '$' may sit between). Thousands separators between digits are ignored.
std::optional<std::string> first_number(std::string_view text);

}  // namespace iwsi
