#include "core/digest_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/sha256.h"

namespace iwsi {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFormat = "iwsi-sha256-cache 1";

// The file's identity and version as one line of text; "" when it cannot be stat'ed. `settled`: its
// last change is at least `racy_seconds` old, so the key can be trusted.
std::string version_key(const std::string& path, int racy_seconds = 0, bool* settled = nullptr) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  if (settled != nullptr) *settled = st.st_ctim.tv_sec + racy_seconds <= std::time(nullptr);
  std::error_code ec;
  const fs::path canonical = fs::canonical(path, ec);
  if (ec) return "";
  std::ostringstream key;
  key << canonical.string() << '\t' << st.st_dev << '\t' << st.st_ino << '\t' << st.st_size << '\t'
      << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << '\t' << st.st_ctim.tv_sec << '.' << st.st_ctim.tv_nsec;
  return key.str();
}

bool is_hex_digest(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The cached digest for `key`, or "" (absent, damaged, or written for another key).
std::string lookup(const fs::path& entry, const std::string& key) {
  std::ifstream in(entry);
  std::string format, stored_key, digest;
  if (!std::getline(in, format) || !std::getline(in, stored_key) || !std::getline(in, digest)) return "";
  return format == kFormat && stored_key == key && is_hex_digest(digest) ? digest : "";
}

void store(const fs::path& dir, const fs::path& entry, const std::string& key, const std::string& digest) {
  static std::atomic<bool> warned{false};
  std::error_code ec;
  fs::create_directories(dir, ec);
  try {
    // Two jobs storing the same entry at once may interleave in the temp file: the result fails
    // lookup()'s checks and is a miss, never a wrong digest.
    write_file_atomically(entry.string(), cat(kFormat, '\n', key, '\n', digest, '\n'));
  } catch (const Error&) {
    // (A rename lost to such a concurrent store is no reason to warn; an unwritable directory is.)
    if (::access(dir.c_str(), W_OK) != 0 && !warned.exchange(true))
      log_warn("digest cache ", dir.string(), " is not writable; input files are hashed on every run "
               "(set IWSI_DIGEST_CACHE to a writable directory, or to off)");
  }
}

}  // namespace

std::string digest_cache_dir() {
  if (const char* dir = std::getenv("IWSI_DIGEST_CACHE"); dir && *dir)
    return std::string(dir) == "off" ? "" : std::string(dir);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/iwsi/sha256";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/iwsi/sha256";
  return "";
}

std::string cached_file_sha256(const std::string& path, const std::string& cache_dir, int racy_seconds) {
  bool settled = false;
  const std::string before = cache_dir.empty() ? "" : version_key(path, racy_seconds, &settled);
  if (before.empty() || !settled) return sha256_file_hex(path);
  const fs::path entry = fs::path(cache_dir) / (sha256_hex(before) + ".txt");
  if (std::string digest = lookup(entry, before); !digest.empty()) return digest;
  const std::string digest = sha256_file_hex(path);
  if (version_key(path) == before) store(cache_dir, entry, before, digest);  // unchanged while hashed
  return digest;
}

}  // namespace iwsi
