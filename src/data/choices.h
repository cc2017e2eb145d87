// Answer options of multiple-choice questions, written the way the paper's code puts them in
// the question ("Answer Choices are: A)yes; B)no."), and parsed out of OpenBookQA's
// "(A) ... (B) ..." string. Deliberately no knowledge of any dataset's file layout.
#pragma once

#include <string>
#include <vector>

namespace iwsi {

struct Choice {
  std::string label;  // "A"
  std::string text;   // "yes"
};

// "Answer Choices are: A)yes; B)no." (labels and texts as given, texts trimmed).
std::string format_choice_list(const std::vector<Choice>& choices);

// Splits "(A) x (B) y (C) z" into {A,x},{B,y},{C,z} for the given labels in order; each marker
// is searched after the previous one, so a repeated marker stays inside the earlier text.
// Throws when a marker is missing.
std::vector<Choice> parse_parenthesized_choices(const std::string& text, const std::vector<std::string>& labels);

// True when `label` is one of the choices' labels.
bool has_choice_label(const std::vector<Choice>& choices, const std::string& label);

}  // namespace iwsi
