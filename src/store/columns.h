// Columns of a table (an HDF5 group): fixed-size columns are 1-D datasets; a ragged column is a
// group holding `values` (flat) and `offsets` (int64, rows + 1, offsets[0] = 0).
//
// Writing is collective over the world: each rank passes only its own rows (possibly none) and
// the rows land in rank order; where a rank's rows start comes from an exclusive scan of the row
// (and value) counts, and every rank writes its slab with one collective MPI-IO write.
// Reading is per process (no collective), for any row range, so readers may use any rank count.
// Writers::this_rank writes a file that one rank owns alone (no collective, no MPI-IO), e.g. the
// per-chunk files a resumable job keeps.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/h5.h"
#include "store/ragged.h"

namespace iwsi {

enum class Writers { all_ranks, this_rank };

template <class T>
void write_column(hid_t table, const std::string& name, const std::vector<T>& local_rows,
                  Writers writers = Writers::all_ranks);
template <class T>
void write_ragged_column(hid_t table, const std::string& name, const Ragged<T>& local_rows,
                         Writers writers = Writers::all_ranks);

bool has_column(hid_t table, const std::string& name);
int64_t column_rows(hid_t table, const std::string& name);  // fixed or ragged
// Rows [begin, end) (end = -1: to the last row). Throws naming the file and column when the
// column is missing, of another type, or shorter than asked.
template <class T>
std::vector<T> read_column(hid_t table, const std::string& name, int64_t begin = 0, int64_t end = -1);
template <class T>
Ragged<T> read_ragged_column(hid_t table, const std::string& name, int64_t begin = 0, int64_t end = -1);

// A group for a table; creating it is collective.
hid_t create_table(hid_t file, const std::string& name);  // returns an open group (caller closes: wrap in H5Id)
// The table /name of an open file, for reading; throws naming the file when it has no such table.
H5Id open_table(hid_t file, const std::string& name);

}  // namespace iwsi
