#include "store/h5.h"

#include <sys/statvfs.h>

#include <exception>
#include <filesystem>

#include "core/error.h"
#include "core/log.h"

namespace iwsi {
namespace {

// Switch off HDF5's automatic printing once, before the first call we check.
const bool kQuietHdf5 = [] {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return true;
}();

herr_t innermost_message(unsigned depth, const H5E_error2_t* error, void* out) {
  if (depth == 0 && error->desc) *static_cast<std::string*>(out) = error->desc;
  return 0;
}

}  // namespace

std::string take_h5_error() {
  (void)kQuietHdf5;
  std::string message = "unknown HDF5 error";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_message, &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

int64_t h5_check(int64_t status, const std::string& what) {
  (void)kQuietHdf5;
  if (status >= 0) return status;
  const std::string message = take_h5_error();
  fail("HDF5: ", what, ": ", message);
}

void H5Id::reset() {
  if (id_ >= 0 && closer_ && std::uncaught_exceptions() == 0) closer_(id_);
  id_ = H5I_INVALID_HID;
}

void H5Id::close_checked(const std::string& what) {
  if (id_ < 0) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  h5_check(closer_(id), what);
}

H5Id h5_file(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Fclose); }
H5Id h5_group(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Gclose); }
H5Id h5_dataset(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Dclose); }
H5Id h5_space(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Sclose); }
H5Id h5_plist(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Pclose); }
H5Id h5_type(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Tclose); }
H5Id h5_attribute(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Aclose); }
H5Id h5_object(hid_t id, const std::string& what) { return H5Id(h5_check(id, what), H5Oclose); }

namespace {
// HDF5's two-call string getters (length first, then the text).
template <class Get>
std::string h5_string(hid_t id, Get get) {
  const ssize_t length = get(id, nullptr, 0);
  if (length <= 0) return "?";
  std::string text(static_cast<size_t>(length) + 1, '\0');
  get(id, text.data(), text.size());
  text.resize(static_cast<size_t>(length));
  return text;
}
}  // namespace

std::string h5_name(hid_t id) { return h5_string(id, H5Iget_name); }
std::string h5_file_name(hid_t id) { return h5_string(id, H5Fget_name); }

std::string full_disk_note(hid_t id) {
  const std::filesystem::path dir = std::filesystem::absolute(h5_file_name(id)).parent_path();
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0) return "";
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free_bytes >= (16u << 20)) return "";
  return cat(" (the file system of ", dir.string(), " is full: ", free_bytes, " bytes left)");
}

}  // namespace iwsi
