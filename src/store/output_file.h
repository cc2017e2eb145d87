// The commit protocol of every output: a job writes `<path>.tmp` collectively with MPI-IO, and
// only commit() stamps `complete = 1`, closes, and renames it to `<path>`. A crash therefore leaves
// at most a `.tmp` file, never one that looks finished; the next run overwrites the `.tmp`.
// open_output_for_read() refuses files that are incomplete, of another schema, or of a newer
// schema version, saying what to do.
#pragma once

#include <cstdint>
#include <string>

#include "store/columns.h"
#include "store/h5.h"
#include "store/provenance.h"

namespace iwsi {

class OutputFile {
 public:
  // Collective (unless `writers` is this_rank: a file this rank writes alone). Creates
  // `<path>.tmp` (truncating a stale one) and stamps the root attributes schema,
  // schema_version, complete = 0 and the provenance.
  OutputFile(const std::string& path, const std::string& schema, int64_t schema_version,
             const Provenance& provenance, Writers writers = Writers::all_ranks);
  OutputFile(OutputFile&&) = default;
  ~OutputFile() = default;  // uncommitted: the `.tmp` file stays, visibly unfinished

  hid_t id() const { return file_.get(); }
  Writers writers() const { return writers_; }
  const std::string& path() const { return path_; }
  // Collective. finished_at + complete = 1, close, rename to the final path; all ranks see it after.
  void commit();

 private:
  std::string path_;
  Writers writers_;
  H5Id file_;
};

std::string temporary_path(const std::string& path);  // "<path>.tmp"

// Opens a committed file for reading in this process only (no collective). Throws iwsi::Error
// when it is missing, unfinished (complete != 1), of another schema, or newer than `max_version`.
H5Id open_output_for_read(const std::string& path, const std::string& schema, int64_t max_version);
// True when `path` is a committed file of `schema` (used to skip finished work).
bool is_complete_output(const std::string& path, const std::string& schema);

}  // namespace iwsi
