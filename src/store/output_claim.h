// What a job checks about its output before it computes anything, so that a bad path costs
// seconds, not the whole run, and no job destroys its own input or another job's result:
// - the path is usable: not a directory where a file goes (or the reverse), its parent creatable;
// - it is writable: the lock file `<path>.lock` is created beside it (a read-only or full file
//   system, a missing permission fail here, with the path and the system's reason);
// - it is none of the job's inputs, and not a file inside an input directory (a model directory,
//   a synthetic task): writing there would overwrite or change an input;
// - no other job writes it now: rank 0 holds an exclusive lock (flock) on `<path>.lock` until the
//   claim ends. The kernel drops the lock when a process dies, so a killed job leaves no stale lock;
//   where the file system has no locks (some Lustre mounts) a warning says so and the job goes on.
// Every check runs on rank 0 and its verdict reaches every rank, so all ranks fail with the same
// message.
#pragma once

#include <string>
#include <vector>

namespace iwsi {

enum class OutputKind { file, directory };

class OutputClaim {
 public:
  OutputClaim() = default;
  OutputClaim(OutputClaim&& other) noexcept;
  OutputClaim& operator=(OutputClaim&&) = delete;
  OutputClaim(const OutputClaim&) = delete;
  OutputClaim& operator=(const OutputClaim&) = delete;
  ~OutputClaim();  // releases the lock and removes the lock file

 private:
  friend OutputClaim claim_output(const std::string&, const std::string&, OutputKind, const std::vector<std::string>&);
  int fd_ = -1;
  std::string lock_path_;
};

// Collective. `option` names the option the path came from (for messages); `inputs` are the
// files and directories the job reads.
OutputClaim claim_output(const std::string& option, const std::string& path, OutputKind kind,
                         const std::vector<std::string>& inputs);

}  // namespace iwsi
