// A JSON value together with the file it came from and its path inside that file, so every loader
// error can say "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern.Regex: ..." without threading
// names through every function. Internal to src/tokenizer/.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace iwsi {

class JsonField {
 public:
  // Reads and parses `file` (any parse error names it).
  static JsonField parse_file(const std::string& file);

  const nlohmann::json& value() const { return *value_; }
  const std::string& file() const { return *file_; }
  const std::string& path() const { return path_; }

  // True when `key` is present and not null.
  bool has(const char* key) const;
  // The member `key`; throws naming the field when absent (null is returned as a null field).
  JsonField operator[](const char* key) const;
  // The element `index` of an array.
  JsonField at(size_t index) const;
  size_t size() const;  // of an array or object

  bool is_null() const { return value_->is_null(); }
  std::string as_string() const;
  bool as_bool() const;
  int64_t as_int() const;
  // Optional members with a default, checked for type when present.
  std::string string_or(const char* key, const std::string& fallback) const;
  bool bool_or(const char* key, bool fallback) const;

  // Throws iwsi::Error "<file>: <path>: <message pieces>".
  template <class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const;

 private:
  JsonField(std::shared_ptr<const nlohmann::json> root, const nlohmann::json* value,
            std::shared_ptr<const std::string> file, std::string path)
      : root_(std::move(root)), value_(value), file_(std::move(file)), path_(std::move(path)) {}

  std::shared_ptr<const nlohmann::json> root_;  // keeps value_ alive
  const nlohmann::json* value_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
};

template <class... Parts>
[[noreturn]] void JsonField::fail(const Parts&... parts) const {
  iwsi::fail(*file_, ": ", path_.empty() ? std::string("(top level)") : path_, ": ", parts...);
}

}  // namespace iwsi
