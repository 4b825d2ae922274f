// lifecycle/auth.h — API tokens: random, shown once, stored as SHA-256 hashes; roles operator and tenant.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace zhisuan::lifecycle {

struct Principal {
  std::string tenant;
  bool is_operator = false;
  std::string token_id;  // the token's public id (audit log)
  std::string remote;    // the address the call came from (audit log)
};

// A new token: "zs_" and 64 hex digits from the kernel's random source.
Result<std::string> NewToken();
// SHA-256 of the token, hex.
std::string HashToken(const std::string& token);

// Compares two strings in time that depends only on their lengths (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Whether `address` (IPv4 or IPv6, as text) is in `allow`: addresses and CIDR blocks separated by commas
// ("10.0.0.0/8, 192.168.1.7, ::1"). An empty list allows every address.
bool AddressAllowed(std::string_view allow, std::string_view address);
// kValidation naming the first entry of `allow` that is not an address or CIDR block.
Status CheckAllowList(std::string_view allow);

}  // namespace zhisuan::lifecycle
