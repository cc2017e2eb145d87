// A small reader and writer for the safetensors format (8-byte little-endian header length, a JSON
// header of name -> {dtype, shape, data_offsets} plus optional "__metadata__", then raw data).
// The reader memory-maps the file and hands out CPU tensor views over the mapping in the file's
// dtype; converting to a compute dtype/device is the caller's one copy. It validates the header
// against the file size (truncation names the tensor). Deliberately no model knowledge here.
#pragma once

#include "model/torch_api.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace iwsi {

struct SafetensorsEntry {
  std::string dtype;            // as in the file: "F32", "BF16", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets relative to the start of the data section
};

struct SafetensorsMapping;  // the mmap'ed bytes; shared with every tensor view handed out

struct SafetensorsFile {
  std::string path;
  std::map<std::string, std::string> metadata;       // "__metadata__" (string -> string)
  std::map<std::string, SafetensorsEntry> entries;    // by tensor name
  std::shared_ptr<SafetensorsMapping> mapping;

  explicit SafetensorsFile(const std::string& path);  // maps and validates; throws iwsi::Error

  bool has(const std::string& name) const { return entries.count(name) != 0; }
  std::vector<std::string> names() const;              // sorted
  const SafetensorsEntry& entry(const std::string& name) const;
  // A CPU view over the mapping in the file's dtype. The view keeps the mapping alive; writing to it
  // changes only this process's private copy of the page, never the file.
  torch::Tensor tensor(const std::string& name) const;
};

// "F32" <-> torch::kFloat32 etc. Unknown names / dtypes throw naming `what`.
torch::ScalarType safetensors_dtype(const std::string& name, const std::string& what);
std::string safetensors_dtype_name(torch::ScalarType dtype);

// Writes `tensors` in the given order (any device/dtype with a safetensors name), each converted to
// `as_dtype` if given. Tensors are copied to the CPU one at a time while writing, so saving a GPU or
// bf16 model never holds a second full copy. The header is padded with spaces to a multiple of 8
// bytes. Written to `path`.tmp.<pid> and renamed, so a reader never sees a half-written file.
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {},
                       std::optional<torch::ScalarType> as_dtype = std::nullopt);

}  // namespace iwsi
