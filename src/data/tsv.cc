// Tab-separated files with a header row; see tsv.h.
#include "data/tsv.h"

#include <string_view>

#include "core/error.h"
#include "data/json_records.h"

namespace iwsi {
namespace {

std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    fields.emplace_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

}  // namespace

size_t TsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  fail(path, ": no column \"", name, "\" in the header");
}

TsvTable read_tsv(const std::string& path) {
  const std::string text = read_text_file(path);
  TsvTable table;
  table.path = path;
  int64_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
    if (line.empty()) continue;
    if (table.header.empty()) {
      table.header = split_tabs(line);
      continue;
    }
    TsvRow row{line_number, split_tabs(line)};
    IWSI_CHECK(row.fields.size() == table.header.size(), path, ":", line_number, ": expected ", table.header.size(),
               " tab-separated fields, got ", row.fields.size());
    table.rows.push_back(std::move(row));
  }
  IWSI_CHECK(!table.header.empty(), path, ": empty file (no header row)");
  return table;
}

}  // namespace iwsi
