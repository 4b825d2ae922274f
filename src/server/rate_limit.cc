#include "server/rate_limit.h"

#include <algorithm>

namespace zhisuan::http {

bool RateLimiter::Allow(const std::string& key, double now_s) {
  if (per_s_ <= 0) return true;
  const double burst = std::max(1.0, 2 * per_s_);
  std::lock_guard lock(mu_);
  if (buckets_.size() >= max_keys_ && !buckets_.contains(key)) {
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + (now_s - kv.second.last) * per_s_ >= burst;  // full again: as if new
    });
  }
  // Still full (as many busy keys as it keeps): forget them all rather than refuse every new client (many
  // addresses must not lock others out); the busy ones start again from a full burst.
  if (buckets_.size() >= max_keys_ && !buckets_.contains(key)) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  b.tokens = fresh ? burst : std::min(burst, b.tokens + (now_s - b.last) * per_s_);
  b.last = now_s;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

size_t RateLimiter::keys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace zhisuan::http
