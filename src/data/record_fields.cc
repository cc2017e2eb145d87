// Field access for raw records with clear errors; see record_fields.h.
#include "data/record_fields.h"

#include <filesystem>

namespace iwsi {

std::string RecordSource::default_id() const {
  return std::filesystem::path(path).filename().string() + ":" + std::to_string(line);
}

void require_object(const nlohmann::json& record) {
  IWSI_CHECK(record.is_object(), "expected a JSON object, got ", record.type_name());
}

std::string required_string(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  IWSI_CHECK(it != record.end() && it->is_string(), "missing string field \"", key, "\"");
  return it->get<std::string>();
}

std::string optional_string(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  if (it == record.end() || it->is_null()) return "";
  IWSI_CHECK(it->is_string(), "field \"", key, "\" must be a string, got ", it->type_name());
  return it->get<std::string>();
}

std::string optional_id(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  if (it == record.end() || it->is_null()) return "";
  if (it->is_number_integer()) return it->dump();
  IWSI_CHECK(it->is_string(), "field \"", key, "\" must be a string or an integer, got ", it->type_name());
  return it->get<std::string>();
}

}  // namespace iwsi
