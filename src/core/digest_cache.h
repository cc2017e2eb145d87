// The SHA-256 of an input file, hashed once per version of the file. Every job records the digest of
// every input (store/provenance.h); at 8B parameters that is 16 GB of model per job and per sweep cell.
// A digest is reused when the file's identity and version are what they were when it was hashed:
// (canonical path, device, inode, size, mtime, ctime). ctime changes on every write and cannot be set
// back by `touch`, so an edited file is always hashed again. A miss costs a re-hash, never a wrong
// digest: entries are checked against their full key, and a file that changed while it was hashed, or
// changed a moment ago, is not cached.
//
// Where: $IWSI_DIGEST_CACHE if set ("off" disables), else $XDG_CACHE_HOME/iwsi/sha256, else
// ~/.cache/iwsi/sha256. One small file per entry, written by rename, so concurrent jobs on shared
// home directories do not corrupt each other. An unwritable cache is skipped with one warning.
#pragma once

#include <string>

namespace iwsi {

// The cache directory from the environment; "" when caching is off.
std::string digest_cache_dir();

// sha256_file_hex(path), through the cache in `cache_dir` ("" = no cache). A file changed less than
// `racy_seconds` ago may change again within its file system's timestamp granularity (1-2 s on some
// network file systems) without its key changing: it is hashed but not cached, as git treats
// "racily clean" index entries.
constexpr int kRacySeconds = 3;
std::string cached_file_sha256(const std::string& path, const std::string& cache_dir, int racy_seconds = kRacySeconds);

}  // namespace iwsi
