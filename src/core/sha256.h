// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, for the content hashes of input files recorded in
// every output's provenance. The same digest `sha256sum` prints, so a user can check a recorded input
// by hand. OpenSSL's assembly (SHA-NI / AVX2) is ~3x faster than a portable C loop, which matters when
// every job of a sweep records a 16 GB model directory; the digest cache (core/digest_cache.h) then
// hashes each file once.
#pragma once

#include <string>
#include <string_view>

namespace iwsi {

std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::string& path);  // throws iwsi::Error naming an unreadable file

}  // namespace iwsi
