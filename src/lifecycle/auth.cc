#include "lifecycle/auth.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <array>
#include <charconv>
#include <cstring>

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

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

struct Address {
  int family = 0;  // AF_INET or AF_INET6
  unsigned char bytes[16] = {};
};

bool ParseAddress(std::string_view text, Address& out) {
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out.bytes) == 1) {
    out.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.bytes) == 1) {
    out.family = AF_INET6;
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.bytes, kMapped, 12) == 0) {
      std::memmove(out.bytes, out.bytes + 12, 4);
      out.family = AF_INET;
    }
    return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// One entry of an allow-list: an address and a prefix length.
bool ParseBlock(std::string_view entry, Address& net, int& bits) {
  const size_t slash = entry.find('/');
  if (!ParseAddress(entry.substr(0, slash), net)) return false;
  const int max_bits = net.family == AF_INET ? 32 : 128;
  bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view b = entry.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (ec != std::errc() || ptr != b.data() + b.size() || bits < 0 || bits > max_bits) return false;
  }
  return true;
}

template <typename F>
bool ForEachEntry(std::string_view allow, F&& f) {
  while (!allow.empty()) {
    const size_t comma = allow.find(',');
    const std::string_view entry = Trim(allow.substr(0, comma));
    if (!entry.empty() && f(entry)) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool AddressAllowed(std::string_view allow, std::string_view address) {
  if (Trim(allow).empty()) return true;
  Address peer;
  if (!ParseAddress(address, peer)) return false;
  return ForEachEntry(allow, [&](std::string_view entry) {
    Address net;
    int bits = 0;
    if (!ParseBlock(entry, net, bits) || net.family != peer.family) return false;
    for (int i = 0; i < bits; ++i) {
      const int mask = 0x80 >> (i % 8);
      if ((net.bytes[i / 8] & mask) != (peer.bytes[i / 8] & mask)) return false;
    }
    return true;
  });
}

Status CheckAllowList(std::string_view allow) {
  std::string bad;
  ForEachEntry(allow, [&](std::string_view entry) {
    Address net;
    int bits = 0;
    if (ParseBlock(entry, net, bits)) return false;
    bad = std::string(entry);
    return true;
  });
  if (!bad.empty()) {
    return Fail(ErrorCode::kValidation,
                fmt::format("allow_from: '{}' is not an address or CIDR block (10.0.0.0/8, ::1)", bad));
  }
  return {};
}

}  // namespace zhisuan::lifecycle
