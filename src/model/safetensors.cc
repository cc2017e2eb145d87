// safetensors reading (mmap + header validation) and writing (padded header, data in order).
// The spec: https://github.com/huggingface/safetensors ("Format" section). Little-endian only,
// which is every machine we run on.
#include "model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace iwsi {

struct SafetensorsMapping {
  void* base = nullptr;
  size_t size = 0;
  ~SafetensorsMapping() {
    if (base != nullptr) munmap(base, size);
  }
};

namespace {

struct DtypeName {
  const char* name;
  torch::ScalarType type;
};
const DtypeName kDtypes[] = {
    {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16},
    {"BF16", torch::kBFloat16}, {"I64", torch::kInt64}, {"I32", torch::kInt32},
    {"I16", torch::kInt16}, {"I8", torch::kInt8}, {"U8", torch::kUInt8}, {"BOOL", torch::kBool},
};

std::shared_ptr<SafetensorsMapping> map_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  IWSI_CHECK(fd >= 0, "cannot open safetensors file ", path, ": ", std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    fail("cannot stat ", path, ": ", std::strerror(err));
  }
  auto m = std::make_shared<SafetensorsMapping>();
  m->size = static_cast<size_t>(st.st_size);
  if (m->size > 0) {
    // MAP_PRIVATE + PROT_WRITE: copy-on-write, so a stray write to a view cannot crash or change the file.
    void* p = mmap(nullptr, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    int err = errno;
    close(fd);
    IWSI_CHECK(p != MAP_FAILED, "cannot mmap ", path, ": ", std::strerror(err));
    m->base = p;
  } else {
    close(fd);
  }
  return m;
}

uint64_t read_u64_le(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

SafetensorsEntry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& j,
                             uint64_t data_size) {
  IWSI_CHECK(j.is_object() && j.contains("dtype") && j.contains("shape") && j.contains("data_offsets"),
             path, ": header entry for tensor '", name, "' lacks dtype/shape/data_offsets");
  SafetensorsEntry e;
  try {
    e.dtype = j.at("dtype").get<std::string>();
    e.shape = j.at("shape").get<std::vector<int64_t>>();
    auto off = j.at("data_offsets").get<std::vector<uint64_t>>();
    IWSI_CHECK(off.size() == 2, path, ": tensor '", name, "': data_offsets must have 2 entries");
    e.begin = off[0];
    e.end = off[1];
  } catch (const nlohmann::json::exception& ex) {
    fail(path, ": malformed header entry for tensor '", name, "': ", ex.what());
  }
  uint64_t numel = 1;
  for (int64_t d : e.shape) {
    IWSI_CHECK(d >= 0, path, ": tensor '", name, "' has a negative dimension");
    IWSI_CHECK(d == 0 || numel <= UINT64_MAX / 16 / static_cast<uint64_t>(d), path, ": tensor '", name,
               "' has a shape whose size overflows");
    numel *= static_cast<uint64_t>(d);
  }
  IWSI_CHECK(e.begin <= e.end, path, ": tensor '", name, "' has data_offsets begin > end");
  IWSI_CHECK(e.end <= data_size, path, ": tensor '", name, "' ends at byte ", e.end, " of the data section but the file holds only ",
             data_size, " data bytes (truncated file?)");
  // The byte count is checked when the dtype is known to us; unknown dtypes fail only when read.
  for (const auto& d : kDtypes) {
    if (e.dtype == d.name) {
      uint64_t want = numel * c10::elementSize(d.type);
      IWSI_CHECK(e.end - e.begin == want, path, ": tensor '", name, "' (", e.dtype, ", ", numel,
                 " elements) has ", e.end - e.begin, " data bytes, expected ", want);
    }
  }
  return e;
}

}  // namespace

torch::ScalarType safetensors_dtype(const std::string& name, const std::string& what) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d.type;
  fail(what, ": unsupported safetensors dtype '", name, "'");
}

std::string safetensors_dtype_name(torch::ScalarType dtype) {
  for (const auto& d : kDtypes)
    if (dtype == d.type) return d.name;
  fail("no safetensors dtype for torch dtype ", c10::toString(dtype));
}

SafetensorsFile::SafetensorsFile(const std::string& path_) : path(path_) {
  mapping = map_file(path);
  const auto* bytes = static_cast<const unsigned char*>(mapping->base);
  IWSI_CHECK(mapping->size >= 8, path, ": too short for a safetensors file (", mapping->size, " bytes; truncated?)");
  uint64_t header_len = read_u64_le(bytes);
  // Hugging Face's reader refuses headers over 100 MB (a corrupt length would otherwise parse garbage).
  IWSI_CHECK(header_len <= 100'000'000, path, ": header length ", header_len,
             " is over the format's 100 MB limit (not a safetensors file?)");
  IWSI_CHECK(header_len <= mapping->size - 8, path, ": header length ", header_len, " exceeds the file size ",
             mapping->size, " (truncated or not a safetensors file)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const nlohmann::json::exception& ex) {
    fail(path, ": header is not valid JSON (truncated or not a safetensors file): ", ex.what());
  }
  IWSI_CHECK(header.is_object(), path, ": header is not a JSON object");
  uint64_t data_size = mapping->size - 8 - header_len;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      IWSI_CHECK(value.is_object(), path, ": __metadata__ is not an object");
      for (const auto& [k, v] : value.items()) {
        IWSI_CHECK(v.is_string(), path, ": __metadata__ value of '", k, "' is not a string");
        metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries[name] = parse_entry(path, name, value, data_size);
  }
  // As Hugging Face's reader validates: the tensors tile the data section, in offset order, with
  // neither overlaps (two tensors sharing bytes) nor holes, up to its last byte.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_offset;
  for (const auto& [name, e] : entries) by_offset.emplace_back(&name, &e);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.second->begin, a.second->end) < std::make_pair(b.second->begin, b.second->end);
  });
  uint64_t end = 0;
  const std::string* previous = nullptr;
  for (const auto& [name, e] : by_offset) {
    IWSI_CHECK(e->begin == end, path, ": tensor '", *name, "' starts at data byte ", e->begin, " but ",
               previous ? "tensor '" + *previous + "' ends at " + std::to_string(end)
                        : std::string("the data section starts at 0"),
               e->begin < end ? " (overlapping tensors)" : " (a hole between tensors)");
    end = e->end;
    previous = name;
  }
  IWSI_CHECK(end == data_size, path, ": the tensors end at data byte ", end, " but the data section holds ", data_size,
             " bytes");
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const auto& kv : entries) out.push_back(kv.first);
  return out;
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries.find(name);
  IWSI_CHECK(it != entries.end(), path, ": no tensor named '", name, "'");
  return it->second;
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  torch::ScalarType dtype = safetensors_dtype(e.dtype, path + ": tensor '" + name + "'");
  const auto* bytes = static_cast<unsigned char*>(mapping->base);
  uint64_t header_len = read_u64_le(bytes);
  // Hugging Face's reader refuses headers over 100 MB (a corrupt length would otherwise parse garbage).
  IWSI_CHECK(header_len <= 100'000'000, path, ": header length ", header_len,
             " is over the format's 100 MB limit (not a safetensors file?)");
  void* data = const_cast<unsigned char*>(bytes) + 8 + header_len + e.begin;
  auto keep = mapping;  // the deleter holds the mapping, so the view outlives this object safely
  return torch::from_blob(data, e.shape, [keep](void*) {}, torch::TensorOptions().dtype(dtype));
}

namespace {

// The spec'd header for `tensors` as they will be written (dtype after conversion).
std::string header_text(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                        const std::map<std::string, std::string>& metadata, std::optional<torch::ScalarType> as_dtype) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    IWSI_CHECK(t.defined(), "write_safetensors ", path, ": tensor '", name, "' is undefined");
    IWSI_CHECK(name != "__metadata__" && !header.contains(name), "write_safetensors ", path,
               ": duplicate or reserved tensor name '", name, "'");
    torch::ScalarType dtype = as_dtype.value_or(t.scalar_type());
    uint64_t nbytes = static_cast<uint64_t>(t.numel()) * c10::elementSize(dtype);
    header[name] = {{"dtype", safetensors_dtype_name(dtype)},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // pad so the data section starts 8-byte aligned
  return text;
}

}  // namespace

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata,
                       std::optional<torch::ScalarType> as_dtype) {
  std::string text = header_text(path, tensors, metadata, as_dtype);
  unsigned char len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>((uint64_t(text.size()) >> (8 * i)) & 0xff);

  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  IWSI_CHECK(f != nullptr, "cannot create ", tmp, ": ", std::strerror(errno));
  bool ok = std::fwrite(len_bytes, 1, 8, f) == 8 && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  try {
    for (const auto& [name, t] : tensors) {
      if (!ok) break;
      torch::Tensor c = t.detach().to(torch::kCPU, as_dtype.value_or(t.scalar_type())).contiguous();
      size_t n = static_cast<size_t>(c.numel()) * c.element_size();
      ok = std::fwrite(c.data_ptr(), 1, n, f) == n;
    }
  } catch (...) {  // a failed device copy: leave no temp file behind
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    fail("write error on ", tmp, " (disk full?)");
  }
  IWSI_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot rename ", tmp, " to ", path, ": ",
             std::strerror(errno));
}

}  // namespace iwsi
