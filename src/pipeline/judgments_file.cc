#include "pipeline/judgments_file.h"

#include "core/error.h"
#include "store/columns.h"
#include "store/h5.h"

namespace iwsi {

void write_self_scores(hid_t file, const std::vector<double>& self_score) {
  H5Id table = h5_group(create_table(file, "candidates"), "candidates");
  write_column(table, "self_score", self_score);
}

std::vector<double> read_self_scores(hid_t file) {
  IWSI_CHECK(has_column(file, "candidates"), h5_name(file), " has no table /candidates");
  H5Id table = h5_group(H5Gopen2(file, "candidates", H5P_DEFAULT), "opening table candidates");
  return read_column<double>(table, "self_score");
}

}  // namespace iwsi
