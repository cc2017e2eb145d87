#include "store/output_file.h"

#include <mpi.h>

#include <filesystem>

#include "core/error.h"
#include "dist/on_rank0.h"
#include "dist/world.h"
#include "store/attributes.h"

namespace iwsi {
namespace fs = std::filesystem;

std::string temporary_path(const std::string& path) { return path + ".tmp"; }

OutputFile::OutputFile(const std::string& path, const std::string& schema, int64_t schema_version,
                       const Provenance& provenance, Writers writers)
    : path_(path), writers_(writers) {
  const bool alone = writers == Writers::this_rank;
  const fs::path parent = fs::path(path).parent_path();
  if ((alone || world_rank_or_zero() == 0) && !parent.empty()) fs::create_directories(parent);
  if (!alone) barrier();
  const std::string tmp = temporary_path(path);
  H5Id access = h5_plist(H5Pcreate(H5P_FILE_ACCESS), "file access list");
  if (!alone) h5_check(H5Pset_fapl_mpio(access, MPI_COMM_WORLD, MPI_INFO_NULL), "MPI-IO driver for " + tmp);
  file_ = h5_file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access), "creating " + tmp);
  set_attribute(file_, "schema", schema);
  set_attribute(file_, "schema_version", schema_version);
  set_attribute(file_, "complete", int64_t{0});
  // So that a `.tmp` file whose rename failed after `complete = 1` is still known as unfinished.
  set_attribute(file_, "file_name", fs::path(path).filename().string());
  write_provenance(file_, provenance);
}

void OutputFile::commit() {
  IWSI_CHECK(file_.valid(), "output ", path_, " committed twice");
  set_attribute(file_, "finished_at", utc_now_iso8601());
  set_attribute(file_, "complete", int64_t{1});
  const std::string disk = full_disk_note(file_);  // before the close, which writes the metadata
  file_.close_checked("closing " + temporary_path(path_) + disk);
  auto rename = [&] {
    std::error_code ec;
    fs::rename(temporary_path(path_), path_, ec);
    IWSI_CHECK(!ec, "cannot rename ", temporary_path(path_), " to ", path_, ": ", ec.message(),
               " (the result stays in the .tmp file, which readers refuse)");
  };
  if (writers_ == Writers::this_rank) {
    rename();
    return;
  }
  barrier();
  on_rank0(rename);
  barrier();
}

H5Id open_output_for_read(const std::string& path, const std::string& schema, int64_t max_version) {
  if (!fs::exists(path)) {
    IWSI_CHECK(!fs::exists(temporary_path(path)), path, " is unfinished (only ", temporary_path(path),
               " exists): the job that writes it did not complete; run it again");
    fail("input file not found: ", path);
  }
  H5Id file = h5_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + path);
  IWSI_CHECK(has_attribute(file, "schema"), path, " is not an iwsi output (no 'schema' attribute)");
  const std::string found = string_attribute(file, "schema");
  IWSI_CHECK(found == schema, path, " holds '", found, "', expected '", schema, "'");
  const int64_t version = int_attribute(file, "schema_version");
  IWSI_CHECK(version <= max_version, path, " has ", schema, " version ", version, "; this iwsi reads up to version ",
             max_version, ": update iwsi or re-run the job that wrote it");
  IWSI_CHECK(int_attribute(file, "complete") == 1, path, " is incomplete; run the job that writes it again");
  IWSI_CHECK(!has_attribute(file, "file_name") ||
                 fs::path(path).filename().string() != string_attribute(file, "file_name") + ".tmp",
             path, " is unfinished: it is the temporary file of ", string_attribute(file, "file_name"),
             ", which its job did not rename (see that job's log); run the job again");
  return file;
}

bool is_complete_output(const std::string& path, const std::string& schema) {
  if (!fs::exists(path)) return false;
  try {
    open_output_for_read(path, schema, INT64_MAX);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace iwsi
