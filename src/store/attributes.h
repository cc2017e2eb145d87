// Attributes on HDF5 files, groups and datasets: strings (variable-length UTF-8, which h5py reads
// as str), 64-bit integers and doubles. Writing an attribute of a file opened with MPI-IO is
// collective: every rank calls with the same value.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>

namespace iwsi {

void set_attribute(hid_t object, const std::string& name, const std::string& value);
void set_attribute(hid_t object, const std::string& name, const char* value);
void set_attribute(hid_t object, const std::string& name, int64_t value);
void set_attribute(hid_t object, const std::string& name, double value);

bool has_attribute(hid_t object, const std::string& name);
// Each throws iwsi::Error naming the object and attribute when it is missing or of another type.
std::string string_attribute(hid_t object, const std::string& name);
int64_t int_attribute(hid_t object, const std::string& name);
double double_attribute(hid_t object, const std::string& name);

}  // namespace iwsi
