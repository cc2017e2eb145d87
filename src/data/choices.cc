// Multiple-choice option lists; see choices.h.
#include "data/choices.h"

#include "core/error.h"
#include "data/text.h"

namespace iwsi {
std::string format_choice_list(const std::vector<Choice>& choices) {
  std::string list = "Answer Choices are: ";
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) list += "; ";
    list += choices[i].label + ")" + trim_whitespace(choices[i].text);
  }
  return list + ".";
}

std::vector<Choice> parse_parenthesized_choices(const std::string& text, const std::vector<std::string>& labels) {
  std::vector<size_t> markers;
  size_t search_from = 0;
  for (const std::string& label : labels) {
    const size_t marker = text.find("(" + label + ")", search_from);
    IWSI_CHECK(marker != std::string::npos, "choice \"(", label, ")\" not found in \"", text, "\"");
    markers.push_back(marker);
    search_from = marker + label.size() + 2;
  }
  std::vector<Choice> choices;
  for (size_t i = 0; i < labels.size(); ++i) {
    const size_t begin = markers[i] + labels[i].size() + 2;
    const size_t end = i + 1 < labels.size() ? markers[i + 1] : text.size();
    choices.push_back({labels[i], trim_whitespace(text.substr(begin, end - begin))});
  }
  return choices;
}

bool has_choice_label(const std::vector<Choice>& choices, const std::string& label) {
  for (const Choice& choice : choices)
    if (choice.label == label) return true;
  return false;
}

}  // namespace iwsi
