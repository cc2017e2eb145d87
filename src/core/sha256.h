// SHA-256 (FIPS 180-4), for the content hashes of input files recorded in every output's
// provenance. The same digest `sha256sum` prints, so a user can check a recorded input by hand.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace iwsi {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  std::string hex_digest();  // finishes the hash; the object is spent afterwards

 private:
  void compress(const uint8_t* block);
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::string& path);  // throws iwsi::Error naming an unreadable file

}  // namespace iwsi
