// Where tests find the shared folder (data, real models) and scratch space.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace iwsi::testing {

inline std::string shared_dir() {
  const char* env = std::getenv("IWSI_SHARED_DIR");
  return env && *env ? env : "../shared";
}

// A fresh directory under the system temp dir, unique to this process.
inline std::string scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("iwsi-test-" + std::to_string(::getpid())) / name;
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace iwsi::testing
