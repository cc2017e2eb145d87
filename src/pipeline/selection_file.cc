#include "pipeline/selection_file.h"

#include <cmath>
#include <limits>
#include <set>

#include "core/error.h"
#include "store/attributes.h"
#include "store/columns.h"
#include "store/h5.h"
#include "store/output_file.h"

namespace iwsi {
namespace {
constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();
}

void write_selection(hid_t file, const SelectionHeader& header, const KeptRows& mine, const SelectionSummary& s) {
  set_attribute(file, "strategy", header.strategy);
  set_attribute(file, "k", header.k);
  set_attribute(file, "candidates_file", header.candidates_file);
  H5Id kept = h5_group(create_table(file, "kept"), "kept");
  write_column(kept, "row", mine.row);
  write_column(kept, "question_index", mine.question_index);
  write_column(kept, "sample_index", mine.sample_index);
  write_column(kept, "weight", mine.weight);
  write_column(kept, "w_ds", mine.w_ds);
  set_attribute(file, "candidates", s.candidates);
  set_attribute(file, "eligible", s.eligible);
  set_attribute(file, "kept", s.kept);
  set_attribute(file, "sigma_k", s.sigma_k.value_or(kNoValue));
  set_attribute(file, "questions_covered", s.questions_covered);
  set_attribute(file, "share_correct", s.share_correct.value_or(kNoValue));
}

KeptRows read_kept_rows(const std::string& path) {
  H5Id file = open_output_for_read(path, kSelectionSchema, kSelectionVersion);
  H5Id kept = open_table(file, "kept");
  KeptRows out;
  out.row = read_column<int64_t>(kept, "row");
  out.question_index = read_column<int64_t>(kept, "question_index");
  out.sample_index = read_column<int64_t>(kept, "sample_index");
  out.weight = read_column<double>(kept, "weight");
  out.w_ds = read_column<double>(kept, "w_ds");
  const size_t n = out.row.size();
  IWSI_CHECK(out.question_index.size() == n && out.sample_index.size() == n && out.weight.size() == n &&
                 out.w_ds.size() == n,
             path, ": the kept columns have different lengths (a damaged file)");
  IWSI_CHECK(static_cast<int64_t>(n) == int_attribute(file, "kept"), path, ": ", n, " kept rows but its attribute kept = ",
             int_attribute(file, "kept"), " (a damaged file)");
  std::set<int64_t> seen;
  for (size_t i = 0; i < n; ++i) {
    IWSI_CHECK(out.row[i] >= 0 && seen.insert(out.row[i]).second, path, ": kept row ", out.row[i],
               " is negative or repeated (a damaged file)");
    IWSI_CHECK(std::isfinite(out.weight[i]) && out.weight[i] >= 0, path, ": kept row ", out.row[i], " has weight ",
               out.weight[i], "; training weights must be finite and >= 0");
  }
  return out;
}

int64_t selection_kept(const std::string& path) {
  return int_attribute(open_output_for_read(path, kSelectionSchema, kSelectionVersion), "kept");
}

}  // namespace iwsi
