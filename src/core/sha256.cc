#include "core/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/heartbeat.h"

namespace iwsi {
namespace {

// One EVP digest context, freed on every path (RAII over OpenSSL's C API).
struct Sha256Context {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};

  Sha256Context() {
    IWSI_CHECK(ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1, "OpenSSL: cannot start a SHA-256 digest");
  }
  void update(const void* data, size_t size) {
    IWSI_CHECK(EVP_DigestUpdate(ctx.get(), data, size) == 1, "OpenSSL: SHA-256 update failed");
  }
  std::string hex_digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    IWSI_CHECK(EVP_DigestFinal_ex(ctx.get(), digest, &length) == 1 && length == 32, "OpenSSL: SHA-256 final failed");
    char hex[65];
    for (unsigned i = 0; i < length; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return std::string(hex, 64);
  }
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256Context hash;
  hash.update(data.data(), data.size());
  return hash.hex_digest();
}

std::string sha256_file_hex(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  IWSI_CHECK(file, "cannot read ", path, ": ", std::strerror(errno));
  Sha256Context hash;
  std::vector<char> chunk(4 << 20);
  size_t got;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0) {
    hash.update(chunk.data(), got);
    heartbeat();
  }
  IWSI_CHECK(!std::ferror(file.get()), "error reading ", path, ": ", std::strerror(errno));
  return hash.hex_digest();
}

}  // namespace iwsi
