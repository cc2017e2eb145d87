#include "store/columns.h"

#include "core/error.h"
#include "dist/world.h"
#include "store/attributes.h"
#include "store/h5.h"

namespace iwsi {
namespace {

std::string where(hid_t table, const std::string& name) {
  return "column " + h5_name(table) + "/" + name + " of " + h5_file_name(table);
}

// Creates the 1-D dataset `name` of `total` elements and writes this rank's `count` elements at
// `start`: with all ranks, one collective MPI-IO write (ranks with nothing select nothing).
template <class T>
void write_slab(hid_t parent, const std::string& name, const T* data, int64_t start, int64_t count,
                int64_t total, Writers writers, const std::string& what) {
  const hsize_t dims = static_cast<hsize_t>(total);
  H5Id file_space = h5_space(H5Screate_simple(1, &dims, nullptr), what);
  H5Id dataset = h5_dataset(H5Dcreate2(parent, name.c_str(), h5_native_type<T>(), file_space, H5P_DEFAULT,
                                       H5P_DEFAULT, H5P_DEFAULT), "creating " + what);
  if (total == 0) return;
  const hsize_t offset = static_cast<hsize_t>(start), size = static_cast<hsize_t>(count), one = 1;
  H5Id memory_space = h5_space(H5Screate_simple(1, count > 0 ? &size : &one, nullptr), what);
  if (count > 0) {
    h5_check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &offset, nullptr, &size, nullptr), what);
  } else {
    h5_check(H5Sselect_none(file_space), what);
    h5_check(H5Sselect_none(memory_space), what);
  }
  H5Id transfer = h5_plist(H5Pcreate(H5P_DATASET_XFER), what);
  if (writers == Writers::all_ranks) h5_check(H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE), what);
  const T dummy{};
  const herr_t written =
      H5Dwrite(dataset, h5_native_type<T>(), memory_space, file_space, transfer, count > 0 ? data : &dummy);
  if (written < 0) {
    const std::string message = take_h5_error();  // full_disk_note's own HDF5 call clears the stack
    fail("HDF5: writing ", what, full_disk_note(parent), ": ", message);
  }
}

template <class T>
std::vector<T> read_slab(hid_t parent, const std::string& name, int64_t begin, int64_t end, const std::string& what) {
  IWSI_CHECK(H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0, "missing ", what,
             " (file written by another version, or incomplete?)");
  H5Id dataset = h5_dataset(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "opening " + what);
  H5Id file_space = h5_space(H5Dget_space(dataset), what);
  IWSI_CHECK(H5Sget_simple_extent_ndims(file_space) == 1, what, " is not one-dimensional");
  hsize_t dims = 0;
  h5_check(H5Sget_simple_extent_dims(file_space, &dims, nullptr), "the length of " + what);
  const int64_t total = static_cast<int64_t>(dims);
  if (end < 0) end = total;
  IWSI_CHECK(0 <= begin && begin <= end && end <= total, "rows [", begin, ", ", end, ") out of range for ", what,
             " with ", total, " rows");
  H5Id stored_type = h5_type(H5Dget_type(dataset), what);
  IWSI_CHECK(H5Tget_class(stored_type) == H5Tget_class(h5_native_type<T>()) &&
                 H5Tget_size(stored_type) == sizeof(T),  // H5T_NO_CLASS / 0 on failure: refused too
             what, " holds another value type than the one asked for");
  std::vector<T> out(static_cast<size_t>(end - begin));
  if (out.empty()) return out;
  const hsize_t offset = static_cast<hsize_t>(begin), count = out.size();
  h5_check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &offset, nullptr, &count, nullptr), what);
  H5Id memory_space = h5_space(H5Screate_simple(1, &count, nullptr), what);
  h5_check(H5Dread(dataset, h5_native_type<T>(), memory_space, file_space, H5P_DEFAULT, out.data()),
           "reading " + what);
  return out;
}

// Where this writer's `count` items start, and how many all writers have together.
std::pair<int64_t, int64_t> start_and_total(int64_t count, Writers writers) {
  if (writers == Writers::this_rank) return {0, count};
  return {exclusive_scan_sum(count), allreduce_sum(count)};
}

}  // namespace

template <class T>
void write_column(hid_t table, const std::string& name, const std::vector<T>& local_rows, Writers writers) {
  const int64_t count = static_cast<int64_t>(local_rows.size());
  const auto [start, total] = start_and_total(count, writers);
  write_slab(table, name, local_rows.data(), start, count, total, writers, where(table, name));
}

template <class T>
void write_ragged_column(hid_t table, const std::string& name, const Ragged<T>& local_rows, Writers writers) {
  const std::string what = where(table, name);
  H5Id group = h5_group(H5Gcreate2(table, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "creating " + what);
  set_attribute(group, "kind", "ragged");
  const int64_t rows = local_rows.rows(), values = static_cast<int64_t>(local_rows.values.size());
  const auto [row_start, total_rows] = start_and_total(rows, writers);
  const auto [value_start, total_values] = start_and_total(values, writers);
  write_slab(group.get(), "values", local_rows.values.data(), value_start, values, total_values, writers,
             what + "/values");
  // Global offsets of this rank's rows; the rank holding the last row also writes the closing
  // offset (= total values), so offsets has rows + 1 entries whatever ranks have no rows.
  std::vector<int64_t> offsets;
  for (int64_t i = 0; i < rows; ++i) offsets.push_back(value_start + local_rows.offsets[i]);
  const bool writes_end = row_start + rows == total_rows &&
                          (rows > 0 || writers == Writers::this_rank || (total_rows == 0 && world_rank_or_zero() == 0));
  if (writes_end) offsets.push_back(total_values);
  write_slab(group.get(), "offsets", offsets.data(), row_start, static_cast<int64_t>(offsets.size()), total_rows + 1,
             writers, what + "/offsets");
}

bool has_column(hid_t table, const std::string& name) { return H5Lexists(table, name.c_str(), H5P_DEFAULT) > 0; }

H5Id open_table(hid_t file, const std::string& name) {
  IWSI_CHECK(has_column(file, name), h5_name(file), " has no table /", name,
             " (a file of another kind or version, or incomplete?)");
  return h5_group(H5Gopen2(file, name.c_str(), H5P_DEFAULT), "opening table /" + name + " of " + h5_name(file));
}

int64_t column_rows(hid_t table, const std::string& name) {
  const std::string what = where(table, name);
  IWSI_CHECK(has_column(table, name), "missing ", what);
  // H5Iget_type rather than H5Oget_info_by_name, whose signature changed in HDF5 1.12.
  const bool ragged = [&] {
    H5Id object = h5_object(H5Oopen(table, name.c_str(), H5P_DEFAULT), "opening " + what);
    const H5I_type_t type = H5Iget_type(object);
    IWSI_CHECK(type != H5I_BADID, "HDF5: the kind of ", what, " is unreadable");
    return type == H5I_GROUP;
  }();
  const std::string dataset_name = ragged ? name + "/offsets" : name;
  H5Id dataset = h5_dataset(H5Dopen2(table, dataset_name.c_str(), H5P_DEFAULT), "opening " + what);
  H5Id space = h5_space(H5Dget_space(dataset), what);
  hsize_t dims = 0;
  h5_check(H5Sget_simple_extent_dims(space, &dims, nullptr), "the length of " + what);
  return static_cast<int64_t>(dims) - (ragged ? 1 : 0);
}

template <class T>
std::vector<T> read_column(hid_t table, const std::string& name, int64_t begin, int64_t end) {
  return read_slab<T>(table, name, begin, end, where(table, name));
}

template <class T>
Ragged<T> read_ragged_column(hid_t table, const std::string& name, int64_t begin, int64_t end) {
  const std::string what = where(table, name);
  IWSI_CHECK(has_column(table, name), "missing ", what, " (file written by another version, or incomplete?)");
  H5Id group = h5_group(H5Gopen2(table, name.c_str(), H5P_DEFAULT), "opening " + what);
  if (end < 0) end = column_rows(table, name);
  Ragged<T> out;
  out.offsets = read_slab<int64_t>(group, "offsets", begin, end + 1, what + "/offsets");
  // A damaged or hand-made file must fail here, not as a wrong text or a huge allocation later.
  IWSI_CHECK(begin > 0 || out.offsets.front() == 0, what, ": offsets start at ", out.offsets.front(),
             ", not 0 (a damaged file)");
  for (size_t i = 1; i < out.offsets.size(); ++i)
    IWSI_CHECK(out.offsets[i - 1] <= out.offsets[i], what, ": offsets decrease at row ", begin + static_cast<int64_t>(i) - 1,
               " (", out.offsets[i - 1], " then ", out.offsets[i], "; a damaged file)");
  const int64_t first = out.offsets.front(), last = out.offsets.back();
  {
    H5Id values = h5_dataset(H5Dopen2(group, "values", H5P_DEFAULT), "opening " + what + " values");
    H5Id space = h5_space(H5Dget_space(values), what + " values");
    hsize_t count = 0;
    h5_check(H5Sget_simple_extent_dims(space, &count, nullptr), "the length of " + what + " values");
    IWSI_CHECK(last <= static_cast<int64_t>(count), what, ": offsets reach ", last, " at row ", end - 1,
               " but the column holds ", count, " values (a damaged file)");
  }
  out.values = read_slab<T>(group, "values", first, last, what + " values");
  for (int64_t& offset : out.offsets) offset -= first;
  return out;
}

hid_t create_table(hid_t file, const std::string& name) {
  return static_cast<hid_t>(h5_check(H5Gcreate2(file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                     "creating table " + name));
}

#define IWSI_COLUMN_TYPES(T)                                                                      \
  template void write_column<T>(hid_t, const std::string&, const std::vector<T>&, Writers);      \
  template void write_ragged_column<T>(hid_t, const std::string&, const Ragged<T>&, Writers);    \
  template std::vector<T> read_column<T>(hid_t, const std::string&, int64_t, int64_t);           \
  template Ragged<T> read_ragged_column<T>(hid_t, const std::string&, int64_t, int64_t);
IWSI_COLUMN_TYPES(char)
IWSI_COLUMN_TYPES(int8_t)
IWSI_COLUMN_TYPES(uint8_t)
IWSI_COLUMN_TYPES(int32_t)
IWSI_COLUMN_TYPES(int64_t)
IWSI_COLUMN_TYPES(float)
IWSI_COLUMN_TYPES(double)
#undef IWSI_COLUMN_TYPES

}  // namespace iwsi
