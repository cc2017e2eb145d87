#include "pipeline/judgments_file.h"

#include "core/error.h"
#include "store/columns.h"
#include "store/h5.h"

namespace iwsi {

void write_self_scores(hid_t file, const std::vector<double>& self_score) {
  H5Id table = h5_group(create_table(file, "candidates"), "candidates");
  write_column(table, "self_score", self_score);
}

void write_rating_texts(hid_t file, const TextColumn& rating_text) {
  H5Id table = open_table(file, "candidates");
  write_ragged_column(table, "rating_text", rating_text);
}

std::vector<double> read_self_scores(hid_t file) {
  H5Id table = open_table(file, "candidates");
  return read_column<double>(table, "self_score");
}

}  // namespace iwsi
