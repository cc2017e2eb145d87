#include "pipeline/weights_file.h"

#include "core/error.h"
#include "store/h5.h"

namespace iwsi {

void write_weight_rows(hid_t file, const WeightRows& rows) {
  H5Id table = h5_group(create_table(file, "candidates"), "candidates");
  write_column(table, "loss", rows.loss);
  write_column(table, "w_prime", rows.w_prime);
  write_column(table, "w_ds", rows.w_ds);
}

void write_valid_rows(hid_t file, const ValidRows& rows) {
  H5Id table = h5_group(create_table(file, "valid"), "valid");
  write_ragged_column(table, "id", rows.id);
  write_column(table, "loss", rows.loss);
}

WeightRows read_weight_rows(hid_t file, int64_t begin, int64_t end) {
  H5Id table = open_table(file, "candidates");
  return {read_column<double>(table, "loss", begin, end), read_column<double>(table, "w_prime", begin, end),
          read_column<double>(table, "w_ds", begin, end)};
}

ValidRows read_valid_rows(hid_t file) {
  H5Id table = open_table(file, "valid");
  return {read_ragged_column<char>(table, "id"), read_column<double>(table, "loss")};
}

}  // namespace iwsi
