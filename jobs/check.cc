// `iwsi check`: is MPI + parallel HDF5 working here? Every rank writes an uneven share of rows
// (fixed and ragged columns) into ONE file collectively, the file is committed, and every rank
// reads back another rank's share and verifies it value by value. Prints the write rate.
// `--check.fail_rank R` makes rank R throw mid-job, to see the whole job end cleanly.
#include <chrono>

#include "core/log.h"
#include "dist/shard.h"
#include "job.h"
#include "store/columns.h"
#include "store/output_claim.h"
#include "store/output_file.h"

namespace iwsi {
namespace jobs::check {  // named, not anonymous: jobs/ compiles as one unity file

// Row g of the check table is a pure function of g, so any reader can verify any row.
std::vector<int32_t> tokens_of(int64_t g) {
  std::vector<int32_t> row;
  for (int64_t j = 0; j < g % 7; ++j) row.push_back(static_cast<int32_t>(g * 10 + j));
  return row;
}
std::string text_of(int64_t g) { return "row " + std::to_string(g) + std::string(static_cast<size_t>(g % 5), '!'); }

void describe(po::options_description& options) {
  options.add_options()
      ("check.output", po::value<std::string>()->required(), "HDF5 file to write (a test file; overwritten)")
      ("check.rows_per_rank", po::value<int64_t>()->default_value(100000), "rows per rank (rank r writes this + r)")
      ("check.fail_rank", po::value<int>()->default_value(-1), "make this rank throw after the file is created");
}

int run(const JobContext& context) {
  const int64_t rows_per_rank = context.get<int64_t>("check.rows_per_rank");
  check_range("check.rows_per_rank", static_cast<double>(rows_per_rank), 0, 1e9);
  const std::string path = context.get<std::string>("check.output");
  const OutputClaim claim = claim_output("check.output", path, OutputKind::file, {});
  const int rank = context.world.rank();
  const int64_t mine = rows_per_rank + rank;
  const int64_t first = exclusive_scan_sum(mine);

  std::vector<int64_t> index;
  std::vector<double> half;
  Ragged<int32_t> tokens;
  TextColumn texts;
  for (int64_t g = first; g < first + mine; ++g) {
    index.push_back(g);
    half.push_back(0.5 * g);
    tokens.push_back(tokens_of(g));
    push_text(texts, text_of(g));
  }
  const auto start = std::chrono::steady_clock::now();
  OutputFile out(path, "iwsi.check", 1, context.provenance({}));
  if (rank == context.get<int>("check.fail_rank")) fail("injected failure on rank ", rank, " (--check.fail_rank)");
  {
    H5Id table = h5_group(create_table(out.id(), "rows"), "rows");
    write_column(table, "index", index);
    write_column(table, "half", half);
    write_ragged_column(table, "tokens", tokens);
    write_ragged_column(table, "text", texts);
  }
  out.commit();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double bytes = static_cast<double>(allreduce_sum(static_cast<int64_t>(
      index.size() * 16 + tokens.values.size() * 4 + texts.values.size() + 16 * (tokens.rows() + 1))));

  // Read back a share that this rank did not write.
  H5Id file = open_output_for_read(path, "iwsi.check", 1);
  H5Id table = open_table(file, "rows");
  const int64_t total = column_rows(table, "index");
  const ShardRange share = shard_of(total, context.world.size() - 1 - rank, context.world.size());
  const auto read_index = read_column<int64_t>(table, "index", share.begin, share.end);
  const auto read_half = read_column<double>(table, "half", share.begin, share.end);
  const auto read_tokens = read_ragged_column<int32_t>(table, "tokens", share.begin, share.end);
  const auto read_texts = read_ragged_column<char>(table, "text", share.begin, share.end);
  int64_t bad = 0;
  for (int64_t i = 0; i < share.size(); ++i) {
    const int64_t g = share.begin + i;
    bad += read_index[i] != g || read_half[i] != 0.5 * g || read_tokens.row(i) != tokens_of(g) ||
           text_at(read_texts, i) != text_of(g);
  }
  bad = allreduce_sum(bad);
  IWSI_CHECK(bad == 0, path, ": ", bad, " rows read back differ from what was written");
  log_info0("check: ", total, " rows from ", context.world.size(), " rank(s) written collectively to ", path, " (",
            bytes / 1e6, " MB in ", seconds, " s, ", bytes / 1e6 / seconds, " MB/s) and read back identical");
  return 0;
}

}  // namespace jobs::check

JobEntry check_job() {
  return {"check", "MPI + parallel HDF5 self-check: collective write, read back, verify", jobs::check::describe, jobs::check::run};
}

}  // namespace iwsi
