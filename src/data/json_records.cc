// Reading the raw data files: text, JSON Lines and JSON arrays, with line numbers for errors.
// Deliberately no dataset-specific checks; callers validate fields.
#include "data/json_records.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace iwsi {

std::string read_text_file(const std::string& path) {
  IWSI_CHECK(std::filesystem::is_regular_file(path), "data file not found: ", path);
  std::ifstream in(path, std::ios::binary);
  IWSI_CHECK(in, "cannot open data file: ", path);
  std::ostringstream content;
  content << in.rdbuf();
  IWSI_CHECK(!in.bad(), "error while reading data file: ", path);
  return content.str();
}

std::vector<JsonRecord> read_jsonl(const std::string& path) {
  const std::string text = read_text_file(path);
  std::vector<JsonRecord> records;
  int64_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank line
    try {
      records.push_back({line_number, nlohmann::json::parse(line)});
    } catch (const nlohmann::json::parse_error& e) {
      fail(path, ":", line_number, ": invalid JSON: ", e.what());
    }
  }
  return records;
}

std::vector<int64_t> json_array_element_lines(const std::string& text) {
  // A tiny scanner: tracks strings (with escapes) and nesting depth, and notes the line of
  // every value that starts directly inside the outermost array.
  std::vector<int64_t> lines;
  int64_t line = 1;
  int depth = 0;
  bool in_string = false, escaped = false, expecting_value = false;
  for (char c : text) {
    if (c == '\n') ++line;
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (depth == 1 && expecting_value && c != ']') {
      lines.push_back(line);
      expecting_value = false;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth == 1) expecting_value = true;
    } else if (c == ']' || c == '}')
      --depth;
    else if (c == ',' && depth == 1)
      expecting_value = true;
  }
  return lines;
}

std::vector<JsonRecord> read_json_array(const std::string& path) {
  const std::string text = read_text_file(path);
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail(path, ": invalid JSON: ", e.what());
  }
  IWSI_CHECK(parsed.is_array(), path, ": expected a JSON array at the top level");
  const std::vector<int64_t> lines = json_array_element_lines(text);
  IWSI_CHECK(lines.size() == parsed.size(), path, ": could not locate the lines of the array elements");
  std::vector<JsonRecord> records;
  records.reserve(parsed.size());
  for (size_t i = 0; i < parsed.size(); ++i) records.push_back({lines[i], std::move(parsed[i])});
  return records;
}

}  // namespace iwsi
