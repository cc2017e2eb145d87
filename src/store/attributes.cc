#include "store/attributes.h"

#include <vector>

#include "core/error.h"
#include "store/h5.h"

namespace iwsi {
namespace {

std::string where(hid_t object, const std::string& name) { return "attribute '" + name + "' of " + h5_name(object); }

// Replaces an existing attribute of the same name, so re-running a stage rewrites it cleanly.
H5Id create_attribute(hid_t object, const std::string& name, hid_t type, hid_t space) {
  if (has_attribute(object, name)) h5_check(H5Adelete(object, name.c_str()), "deleting " + where(object, name));
  return h5_attribute(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                      "creating " + where(object, name));
}

H5Id string_type() {
  H5Id type = h5_type(H5Tcopy(H5T_C_S1), "string type");
  h5_check(H5Tset_size(type, H5T_VARIABLE), "string type");
  h5_check(H5Tset_cset(type, H5T_CSET_UTF8), "string type");
  return type;
}

template <class T>
void set_scalar(hid_t object, const std::string& name, T value) {
  H5Id space = h5_space(H5Screate(H5S_SCALAR), "scalar space");
  H5Id attribute = create_attribute(object, name, h5_native_type<T>(), space);
  h5_check(H5Awrite(attribute, h5_native_type<T>(), &value), "writing " + where(object, name));
}

H5Id open_attribute(hid_t object, const std::string& name) {
  IWSI_CHECK(has_attribute(object, name), h5_name(object), " has no attribute '", name,
             "' (written by another version of iwsi, or not by iwsi?)");
  return h5_attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), "opening " + where(object, name));
}

template <class T>
T get_scalar(hid_t object, const std::string& name) {
  H5Id attribute = open_attribute(object, name);
  H5Id type = h5_type(H5Aget_type(attribute), "type of " + where(object, name));
  const H5T_class_t expected = std::is_integral_v<T> ? H5T_INTEGER : H5T_FLOAT;
  IWSI_CHECK(H5Tget_class(type) == expected, where(object, name), " is not ",
             std::is_integral_v<T> ? "an integer" : "a number");
  T value{};
  h5_check(H5Aread(attribute, h5_native_type<T>(), &value), "reading " + where(object, name));
  return value;
}

}  // namespace

void set_attribute(hid_t object, const std::string& name, const std::string& value) {
  H5Id type = string_type();
  H5Id space = h5_space(H5Screate(H5S_SCALAR), "scalar space");
  H5Id attribute = create_attribute(object, name, type, space);
  const char* data = value.c_str();
  h5_check(H5Awrite(attribute, type, &data), "writing " + where(object, name));
}

void set_attribute(hid_t object, const std::string& name, const char* value) {
  set_attribute(object, name, std::string(value));
}
void set_attribute(hid_t object, const std::string& name, int64_t value) { set_scalar(object, name, value); }
void set_attribute(hid_t object, const std::string& name, double value) { set_scalar(object, name, value); }

bool has_attribute(hid_t object, const std::string& name) {
  return h5_check(H5Aexists(object, name.c_str()), "looking up " + where(object, name)) > 0;
}

std::string string_attribute(hid_t object, const std::string& name) {
  H5Id attribute = open_attribute(object, name);
  H5Id file_type = h5_type(H5Aget_type(attribute), "type of " + where(object, name));
  IWSI_CHECK(H5Tget_class(file_type) == H5T_STRING, where(object, name), " is not a string");
  if (h5_check(H5Tis_variable_str(file_type), "the string kind of " + where(object, name)) > 0) {
    H5Id type = string_type();
    char* data = nullptr;
    h5_check(H5Aread(attribute, type, &data), "reading " + where(object, name));
    std::string value = data ? data : "";
    H5free_memory(data);
    return value;
  }
  const size_t size = H5Tget_size(file_type);  // fixed-length strings, as other tools may write
  IWSI_CHECK(size > 0, "HDF5: the length of ", where(object, name), " is unreadable");
  std::vector<char> buffer(size + 1, '\0');
  h5_check(H5Aread(attribute, file_type, buffer.data()), "reading " + where(object, name));
  return std::string(buffer.data());
}

int64_t int_attribute(hid_t object, const std::string& name) { return get_scalar<int64_t>(object, name); }
double double_attribute(hid_t object, const std::string& name) { return get_scalar<double>(object, name); }

}  // namespace iwsi
