// Field access for one raw record with errors that name "file:line": required / optional
// strings, and a wrapper that prefixes any iwsi::Error thrown while converting a record.
// Deliberately generic: which fields a dataset needs is decided by its reader.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace iwsi {

// Where a record came from, for messages and for default ids.
struct RecordSource {
  std::string path;  // as opened, named in errors
  int64_t line = 0;  // 1-based
  std::string where() const { return path + ":" + std::to_string(line); }
  std::string default_id() const;  // "<file name>:<line>", independent of the data folder
};

// Runs convert(); an iwsi::Error or a JSON type error escaping it is rethrown with
// "path:line: " in front, so record readers can state their checks without the location.
template <class Convert>
auto with_record_context(const RecordSource& source, Convert&& convert) -> decltype(convert()) {
  try {
    return convert();
  } catch (const Error& e) {
    fail(source.where(), ": ", e.what());
  } catch (const nlohmann::json::exception& e) {
    fail(source.where(), ": ", e.what());
  }
}

// record[key] as a string; throws "missing string field "key"" when absent, null or not a string.
std::string required_string(const nlohmann::json& record, const char* key);
// record[key] as a string, "" when absent or null; a non-string value is an error.
std::string optional_string(const nlohmann::json& record, const char* key);
// An id field that may be a string or an integer; "" when absent.
std::string optional_id(const nlohmann::json& record, const char* key);
// record must be a JSON object.
void require_object(const nlohmann::json& record);

}  // namespace iwsi
