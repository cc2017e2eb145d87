// JsonField: typed access to tokenizer JSON files with errors that name the file and the field.
// Type mismatches are errors rather than silent defaults: a tokenizer that half-loads would encode
// differently from Hugging Face without anyone noticing.
#include "tokenizer/json_field.h"

#include <fstream>
#include <sstream>

namespace iwsi {

JsonField JsonField::parse_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  IWSI_CHECK(in.good(), "cannot open ", file);
  std::ostringstream text;
  text << in.rdbuf();
  auto root = std::make_shared<nlohmann::json>();
  try {
    *root = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    iwsi::fail(file, ": not valid JSON: ", e.what());
  }
  const nlohmann::json* value = root.get();
  return JsonField(std::move(root), value, std::make_shared<const std::string>(file), "");
}

bool JsonField::has(const char* key) const {
  if (!value_->is_object()) return false;
  const auto it = value_->find(key);
  return it != value_->end() && !it->is_null();
}

JsonField JsonField::operator[](const char* key) const {
  if (!value_->is_object()) fail("expected an object with field '", key, "'");
  const auto it = value_->find(key);
  const std::string child = path_.empty() ? std::string(key) : path_ + "." + key;
  if (it == value_->end()) iwsi::fail(*file_, ": ", child, ": missing");
  return JsonField(root_, &*it, file_, child);
}

JsonField JsonField::at(size_t index) const {
  if (!value_->is_array() || index >= value_->size()) fail("expected an array with element ", index);
  return JsonField(root_, &(*value_)[index], file_, path_ + "[" + std::to_string(index) + "]");
}

size_t JsonField::size() const {
  if (!value_->is_array() && !value_->is_object()) fail("expected an array or object");
  return value_->size();
}

std::string JsonField::as_string() const {
  if (!value_->is_string()) fail("expected a string, got ", value_->dump());
  return value_->get<std::string>();
}

bool JsonField::as_bool() const {
  if (!value_->is_boolean()) fail("expected true or false, got ", value_->dump());
  return value_->get<bool>();
}

int64_t JsonField::as_int() const {
  if (!value_->is_number_integer()) fail("expected an integer, got ", value_->dump());
  return value_->get<int64_t>();
}

std::string JsonField::string_or(const char* key, const std::string& fallback) const {
  return has(key) ? (*this)[key].as_string() : fallback;
}

bool JsonField::bool_or(const char* key, bool fallback) const {
  return has(key) ? (*this)[key].as_bool() : fallback;
}

}  // namespace iwsi
