#include "store/output_claim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "core/error.h"
#include "core/log.h"
#include "dist/on_rank0.h"
#include "store/provenance.h"

namespace iwsi {
namespace fs = std::filesystem;
namespace {

// The same file or directory, whether or not it exists yet.
bool same_path(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

fs::path parent_of(const fs::path& path) {
  const fs::path parent = fs::absolute(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

void check_not_an_input(const std::string& option, const fs::path& output, OutputKind kind,
                        const std::vector<std::string>& inputs) {
  for (const std::string& input_text : inputs) {
    if (input_text.empty()) continue;
    const fs::path input(input_text);
    IWSI_CHECK(!same_path(output, input), "option --", option, "=", output.string(), " is also an input of this job (",
               input_text, "); writing it would destroy the input: choose another output");
    std::error_code ec;
    const bool input_is_dir = fs::is_directory(input, ec);
    if (input_is_dir)
      IWSI_CHECK(!same_path(parent_of(output), input), "option --", option, "=", output.string(),
                 " lies in the input directory ", input_text, " (whose files this job reads and records): ",
                 "choose an output outside it");
    if (kind == OutputKind::directory)
      IWSI_CHECK(!same_path(parent_of(input), output), "option --", option, "=", output.string(), " holds the input ",
                 input_text, ", whose files the output could replace: choose another directory");
  }
}

// The lock file: created (proving the location writable) and locked, or a clear error.
int lock_output(const std::string& option, const std::string& path, const std::string& lock_path) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    IWSI_CHECK(fd >= 0, "option --", option, "=", path, ": cannot write there (creating ", lock_path, ": ",
               std::strerror(errno), ")");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      if (error == EWOULDBLOCK) {
        std::ifstream in(lock_path);
        std::string holder;
        std::getline(in, holder);
        ::close(fd);
        fail("option --", option, "=", path, ": another job is writing it now (", lock_path, " is locked",
             holder.empty() ? "" : " by " + holder, "); wait for that job or choose another output");
      }
      // ENOLCK / EOPNOTSUPP / ENOSYS: a file system without locks. Writable, but unguarded.
      log_warn("option --", option, "=", path, ": the file system does not lock files (", std::strerror(error),
               "); nothing stops two jobs from writing this output at once");
      return fd;
    }
    // The lock file may have been removed by a finishing job between open and flock: then our
    // lock is on a file nobody else sees, and we try again.
    struct stat by_fd {}, by_path {};
    if (::fstat(fd, &by_fd) == 0 && ::stat(lock_path.c_str(), &by_path) == 0 && by_fd.st_ino == by_path.st_ino &&
        by_fd.st_dev == by_path.st_dev) {
      char host[256] = {0};
      gethostname(host, sizeof host - 1);
      const std::string holder = cat("pid ", ::getpid(), " on ", host, " since ", utc_now_iso8601(), "\n");
      if (::ftruncate(fd, 0) == 0) {
        const ssize_t written = ::write(fd, holder.data(), holder.size());
        (void)written;  // only a hint for the message above
      }
      return fd;
    }
    ::close(fd);
  }
  fail("option --", option, "=", path, ": cannot lock ", lock_path, " (it keeps being replaced)");
}

}  // namespace

OutputClaim::OutputClaim(OutputClaim&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), lock_path_(std::move(other.lock_path_)) {}

OutputClaim::~OutputClaim() {
  if (fd_ < 0) return;
  ::unlink(lock_path_.c_str());  // while still locked, so no other job locks the old file
  ::close(fd_);
  fd_ = -1;
}

OutputClaim claim_output(const std::string& option, const std::string& path, OutputKind kind,
                         const std::vector<std::string>& inputs) {
  OutputClaim claim;
  on_rank0([&] {
    IWSI_CHECK(!path.empty(), "option --", option, " is empty: give the ", kind == OutputKind::file ? "file" : "directory",
               " to write");
    const fs::path output(path);
    std::error_code ec;
    if (kind == OutputKind::file)
      IWSI_CHECK(!fs::is_directory(output, ec), "option --", option, "=", path, " is a directory; give a file name");
    else
      IWSI_CHECK(!fs::exists(output, ec) || fs::is_directory(output, ec), "option --", option, "=", path,
                 " is a file; give a directory");
    check_not_an_input(option, output, kind, inputs);
    const fs::path parent = parent_of(output);
    fs::create_directories(parent, ec);
    IWSI_CHECK(!ec, "option --", option, "=", path, ": cannot create the directory ", parent.string(), ": ", ec.message());
    fs::path named = output.lexically_normal();
    if (!named.has_filename()) named = named.parent_path();  // "dir/" -> "dir"
    claim.lock_path_ = named.string() + ".lock";
    claim.fd_ = lock_output(option, path, claim.lock_path_);
  });
  return claim;
}

}  // namespace iwsi
