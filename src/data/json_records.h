// Reading the raw data files: whole text files, JSON Lines and top-level JSON arrays, each record
// paired with its 1-based line number so later errors can name "file:line".
// Deliberately knows nothing about any dataset's fields (see record_fields.h and the readers).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace iwsi {

struct JsonRecord {
  int64_t line = 0;  // 1-based line where the record starts
  nlohmann::json value;
};

// The whole file; a missing or unreadable file throws an iwsi::Error naming the path.
std::string read_text_file(const std::string& path);

// One JSON value per non-blank line. Bad JSON throws naming "path:line".
std::vector<JsonRecord> read_jsonl(const std::string& path);

// A file holding one JSON array; each element comes with the line its text starts on.
std::vector<JsonRecord> read_json_array(const std::string& path);

// The 1-based start line of every element of the top-level array in `text` (already known to
// be a valid JSON array). Exposed for tests.
std::vector<int64_t> json_array_element_lines(const std::string& text);

}  // namespace iwsi
