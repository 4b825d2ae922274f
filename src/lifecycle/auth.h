// lifecycle/auth.h — API tokens: random, shown once, stored as SHA-256 hashes; roles operator and tenant.
#pragma once

#include <string>

#include "util/error.h"

namespace zhisuan::lifecycle {

struct Principal {
  std::string tenant;
  bool is_operator = false;
};

// A new token: "zs_" and 64 hex digits from the kernel's random source.
Result<std::string> NewToken();
// SHA-256 of the token, hex.
std::string HashToken(const std::string& token);

}  // namespace zhisuan::lifecycle
