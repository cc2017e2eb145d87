#include "store/h5.h"

#include <exception>

#include "core/error.h"

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

int64_t h5_check(int64_t status, const std::string& what) {
  (void)kQuietHdf5;
  if (status >= 0) return status;
  std::string message = "unknown HDF5 error";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_message, &message);
  H5Eclear2(H5E_DEFAULT);
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

std::string h5_name(hid_t id) {
  const ssize_t length = H5Iget_name(id, nullptr, 0);
  if (length <= 0) return "?";
  std::string name(static_cast<size_t>(length) + 1, '\0');
  H5Iget_name(id, name.data(), name.size());
  name.resize(static_cast<size_t>(length));
  return name;
}

}  // namespace iwsi
