// server/rate_limit.h — token buckets by key (a client's address): `per_s` a second, bursts of twice that.
// Thread-safe (handlers on any worker call it; the event loop's per-address limit too). Buckets that have
// filled again are forgotten once there are `max_keys`, and all are when none has: a stream of new addresses
// can neither grow the map without bound nor lock other clients out.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace zhisuan::http {

class RateLimiter {
 public:
  explicit RateLimiter(double per_s, size_t max_keys = 10000) : per_s_(per_s), max_keys_(max_keys) {}

  // Whether `key` may make one more request at `now_s` (a steady clock, seconds); true always when per_s <=
  // 0.
  bool Allow(const std::string& key, double now_s);
  double per_s() const { return per_s_; }
  size_t keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    double last = 0;
  };
  const double per_s_;
  const size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

}  // namespace zhisuan::http
