// Thin RAII over the HDF5 C API (HighFive-style: HDF5 stays visible, only ownership and errors
// are wrapped). Every HDF5 call goes through h5_check(), which turns a negative return into an
// iwsi::Error carrying HDF5's innermost message and what we were doing ("writing column
// candidates/tokens of out.h5"). HDF5's own error printing is switched off.
//
// Parallel HDF5 makes closing a file collective. A handle destroyed while an exception unwinds
// therefore does NOT close (it leaks): the job is about to abort, and a collective close on one
// rank alone would hang it.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace iwsi {

// Throws iwsi::Error("HDF5: <what>: <hdf5 message>") when `status` < 0; returns it otherwise.
int64_t h5_check(int64_t status, const std::string& what);
// The innermost message of HDF5's error stack, which it clears: call it before any other HDF5
// call, which would clear the stack itself.
std::string take_h5_error();

// Owns one hid_t and closes it with the function that matches its kind.
class H5Id {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Id() = default;
  H5Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  H5Id(H5Id&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  H5Id& operator=(H5Id&& other) noexcept {
    if (this != &other) { reset(); id_ = std::exchange(other.id_, H5I_INVALID_HID); closer_ = other.closer_; }
    return *this;
  }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  ~H5Id() { reset(); }

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: pass straight to the C API
  bool valid() const { return id_ >= 0; }
  void reset();       // closes now (unless an exception is unwinding, see above)
  void close_checked(const std::string& what);  // closes now and reports failure

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

H5Id h5_file(hid_t id, const std::string& what);
H5Id h5_group(hid_t id, const std::string& what);
H5Id h5_dataset(hid_t id, const std::string& what);
H5Id h5_space(hid_t id, const std::string& what);
H5Id h5_plist(hid_t id, const std::string& what);
H5Id h5_type(hid_t id, const std::string& what);
H5Id h5_attribute(hid_t id, const std::string& what);
H5Id h5_object(hid_t id, const std::string& what);  // from H5Oopen: a group or a dataset

// HDF5 memory/file type of a C++ value type.
template <class T>
hid_t h5_native_type() {
  if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, char>) return H5T_NATIVE_INT8;
  else if constexpr (std::is_same_v<T, uint8_t>) return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, int32_t>) return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, int64_t>) return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  else static_assert(sizeof(T) == 0, "no HDF5 type for this C++ type");
}

// Name of an object (file name, or path inside the file) for error messages.
std::string h5_name(hid_t id);
// Name of the file an object lives in.
std::string h5_file_name(hid_t id);
// " (the file system of DIR is full: N bytes left)" when it nearly is, else "": for write errors,
// which HDF5's MPI-IO driver reports as a bare "file write failed".
std::string full_disk_note(hid_t id);

}  // namespace iwsi
