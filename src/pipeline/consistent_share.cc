#include "pipeline/consistent_share.h"

namespace iwsi {

ConsistentShare consistent_share(const AnswerRows& answers, int64_t chunk_size, int rank, int ranks) {
  ConsistentShare share;
  share.rows_total = static_cast<int64_t>(answers.consistent.size());
  for (int64_t row = 0; row < share.rows_total; ++row)
    if (answers.consistent[row]) share.rows.push_back(row);
  const int64_t consistent = static_cast<int64_t>(share.rows.size());
  share.items = chunk_run_of(consistent, chunk_size, rank, ranks);
  const auto row_of = [&](int64_t item) { return item == consistent ? share.rows_total : share.rows[item]; };
  share.first_row = share.items.begin == 0 && rank == 0 ? 0 : row_of(share.items.begin);
  share.end_row = share.items.end == consistent ? share.rows_total : row_of(share.items.end);
  return share;
}

}  // namespace iwsi
