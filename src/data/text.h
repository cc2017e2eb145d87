// Small string helpers shared by the data readers. Deliberately only what they need.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace iwsi {

// `text` without leading and trailing spaces, tabs, CR and LF.
inline std::string trim_whitespace(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  return std::string(text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1));
}

// "a, b,,c " -> {"a", "b", "c"}: the items of a comma-separated option value, trimmed, empties dropped.
inline std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!trim_whitespace(item).empty()) items.push_back(trim_whitespace(item));
  return items;
}

}  // namespace iwsi
