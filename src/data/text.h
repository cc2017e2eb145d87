// Small string helpers shared by the data readers. Deliberately only what they need.
#pragma once

#include <string>
#include <string_view>

namespace iwsi {

// `text` without leading and trailing spaces, tabs, CR and LF.
inline std::string trim_whitespace(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  return std::string(text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1));
}

}  // namespace iwsi
