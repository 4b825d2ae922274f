#include "lifecycle/auth.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <array>

namespace zhisuan::lifecycle {

Result<std::string> NewToken() {
  std::array<unsigned char, 32> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) return Fail(ErrorCode::kIo, "token: the kernel's random source failed");
    got += static_cast<size_t>(n);
  }
  std::string token = "zs_";
  for (unsigned char b : bytes) token += fmt::format("{:02x}", b);
  return token;
}

std::string HashToken(const std::string& token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(token.data(), token.size(), digest.data(), &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace zhisuan::lifecycle
