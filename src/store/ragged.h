// A ragged column: rows of different lengths (token ids, texts) stored as one flat vector of
// values plus row offsets. Row i is values[offsets[i], offsets[i+1]); offsets[0] == 0 always.
// This is the in-memory form of the HDF5 ragged column (store/columns.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iwsi {

template <class T>
struct Ragged {
  std::vector<T> values;
  std::vector<int64_t> offsets{0};

  int64_t rows() const { return static_cast<int64_t>(offsets.size()) - 1; }
  int64_t row_size(int64_t i) const { return offsets[i + 1] - offsets[i]; }
  const T* row_data(int64_t i) const { return values.data() + offsets[i]; }
  std::vector<T> row(int64_t i) const { return {row_data(i), row_data(i) + row_size(i)}; }

  void push_back(const T* data, size_t size) {
    values.insert(values.end(), data, data + size);
    offsets.push_back(static_cast<int64_t>(values.size()));
  }
  void push_back(const std::vector<T>& row) { push_back(row.data(), row.size()); }
  void append(const Ragged& other) {
    for (int64_t i = 0; i < other.rows(); ++i) push_back(other.row_data(i), other.row_size(i));
  }
};

using TextColumn = Ragged<char>;

inline void push_text(TextColumn& column, std::string_view text) { column.push_back(text.data(), text.size()); }
inline std::string text_at(const TextColumn& column, int64_t i) {
  return std::string(column.row_data(i), static_cast<size_t>(column.row_size(i)));
}

}  // namespace iwsi
