#include "store/provenance.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/log.h"
#include "core/digest_cache.h"
#include "dist/world.h"
#include "store/attributes.h"

namespace iwsi {
namespace fs = std::filesystem;

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string hdf5_library_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

std::vector<InputRecord> describe_input(const std::string& path) {
  IWSI_CHECK(fs::exists(path) || !fs::exists(path + ".tmp"), path, " is unfinished (only ", path,
             ".tmp exists): the job that writes it did not complete; run it again");
  IWSI_CHECK(fs::exists(path), "input not found: ", path);
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path))
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::vector<InputRecord> records;
  const std::string cache = digest_cache_dir();
  for (const std::string& file : files)
    records.push_back({file, static_cast<int64_t>(fs::file_size(file)), cached_file_sha256(file, cache)});
  return records;
}

std::vector<InputRecord> describe_inputs(const std::vector<std::string>& paths) {
  // Rank 0 alone touches the files; an error there must reach every rank, so it travels too.
  std::string text, error;
  if (world_rank_or_zero() == 0) {
    try {
      std::vector<InputRecord> all;
      for (const std::string& path : paths) {
        std::vector<InputRecord> records = describe_input(path);
        all.insert(all.end(), records.begin(), records.end());
      }
      text = inputs_to_json(all);
    } catch (const Error& e) {
      error = e.what();
    }
  }
  error = broadcast(error);
  IWSI_CHECK(error.empty(), error);
  return inputs_from_json(broadcast(text));
}

std::string inputs_to_json(const std::vector<InputRecord>& inputs) {
  nlohmann::json array = nlohmann::json::array();
  for (const InputRecord& input : inputs)
    array.push_back({{"path", input.path}, {"size", input.size}, {"sha256", input.sha256}});
  return array.dump();
}

std::vector<InputRecord> inputs_from_json(const std::string& text) {
  std::vector<InputRecord> inputs;
  for (const auto& item : nlohmann::json::parse(text))
    inputs.push_back({item.at("path").get<std::string>(), item.at("size").get<int64_t>(),
                      item.at("sha256").get<std::string>()});
  return inputs;
}

void check_made_from(hid_t file, const std::string& path, const InputRecord& input, const std::string& option) {
  const std::vector<InputRecord> recorded = inputs_from_json(string_attribute(file, "inputs"));
  for (const InputRecord& r : recorded)
    if (r.sha256 == input.sha256 && r.size == input.size) return;
  // Name the recorded inputs of the same kind (a weights file records its candidates, dataset and
  // model files: the .h5 is the one to compare), or all of them when none is.
  const std::string kind = fs::path(input.path).extension().string();
  std::string list;
  for (const InputRecord& r : recorded)
    if (fs::path(r.path).extension().string() == kind)
      list += cat(list.empty() ? "" : ", ", r.path, " (", r.sha256.substr(0, 12), ")");
  if (list.empty())
    for (const InputRecord& r : recorded) list += cat(list.empty() ? "" : ", ", r.path, " (", r.sha256.substr(0, 12), ")");
  fail(path, " was not made from --", option, "=", input.path, " (SHA-256 ", input.sha256.substr(0, 12),
       "...): it records ", list.empty() ? std::string("no inputs") : list,
       "; it was computed from another file: run its job again on this one");
}

void write_provenance(hid_t file, const Provenance& p) {
  set_attribute(file, "job", p.job);
  set_attribute(file, "config", p.config);
  set_attribute(file, "git_commit", p.git_commit);
  set_attribute(file, "versions", p.versions);
  set_attribute(file, "mpi_ranks", p.ranks);
  set_attribute(file, "hostnames", p.hostnames);
  set_attribute(file, "started_at", p.started_at);
  set_attribute(file, "inputs", inputs_to_json(p.inputs));
  if (!p.numerics.empty()) set_attribute(file, "numerics", p.numerics);
}

Provenance read_provenance(hid_t file) {
  Provenance p;
  p.job = string_attribute(file, "job");
  p.config = string_attribute(file, "config");
  p.git_commit = string_attribute(file, "git_commit");
  p.versions = string_attribute(file, "versions");
  p.ranks = int_attribute(file, "mpi_ranks");
  p.hostnames = string_attribute(file, "hostnames");
  p.started_at = string_attribute(file, "started_at");
  p.inputs = inputs_from_json(string_attribute(file, "inputs"));
  if (has_attribute(file, "numerics")) p.numerics = string_attribute(file, "numerics");
  return p;
}

}  // namespace iwsi
