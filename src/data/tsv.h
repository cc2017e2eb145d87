// A minimal reader for tab-separated files with a header row (OpenBookQA's TSV form):
// no quoting, no escapes, every row must have as many fields as the header.
// Deliberately nothing dataset-specific: columns are looked up by header name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iwsi {

struct TsvRow {
  int64_t line = 0;  // 1-based; the header is line 1
  std::vector<std::string> fields;
};

struct TsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<TsvRow> rows;
  // Index of a header column; throws naming the path and the column when absent.
  size_t column(const std::string& name) const;
};

// Blank lines are skipped; a row with the wrong number of fields throws naming "path:line".
TsvTable read_tsv(const std::string& path);

}  // namespace iwsi
