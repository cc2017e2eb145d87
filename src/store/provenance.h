// Where an output came from: the effective configuration, the code (git commit), the libraries,
// the ranks and hosts that made it, when, and every input file with its size and SHA-256.
// Stored as root attributes of every HDF5 file a job writes (see docs/SCHEMA.md); `iwsi run`
// compares the recorded inputs and configuration to decide whether a stage must run again.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace iwsi {

struct InputRecord {
  std::string path;
  int64_t size = 0;
  std::string sha256;
  bool operator==(const InputRecord& other) const {
    return path == other.path && size == other.size && sha256 == other.sha256;
  }
};

struct Provenance {
  std::string job;         // e.g. "iwsi generate"
  std::string config;      // effective configuration as INI text
  std::string git_commit;  // of the iwsi build
  std::string versions;    // "libtorch 1.13.1; HDF5 1.10.8; Open MPI v4.1.4"
  int64_t ranks = 1;
  std::string hostnames;   // one per rank, comma-separated, in rank order
  std::string started_at;  // UTC, ISO 8601
  std::vector<InputRecord> inputs;
  std::string numerics;    // JSON: what decided the rounding (runtime/numerics.h); "" in older files
};

std::string utc_now_iso8601();
std::string hdf5_library_version();

// Size and SHA-256 of `path`; a directory gives one record per regular file directly inside it.
std::vector<InputRecord> describe_input(const std::string& path);
// Collective: rank 0 reads and hashes, every rank receives the same records.
std::vector<InputRecord> describe_inputs(const std::vector<std::string>& paths);

std::string inputs_to_json(const std::vector<InputRecord>& inputs);
std::vector<InputRecord> inputs_from_json(const std::string& text);

// Throws unless the output `file` (read from `path`) was made from exactly `input`: one of its
// recorded inputs has the same size and SHA-256. `option` names where `input` came from.
// A file of the same size made from other content (other questions, another seed) is refused.
void check_made_from(hid_t file, const std::string& path, const InputRecord& input, const std::string& option);

void write_provenance(hid_t file, const Provenance& provenance);  // collective on MPI-IO files
Provenance read_provenance(hid_t file);

}  // namespace iwsi
