#include "server/rate_limit.h"

#include <gtest/gtest.h>

namespace zhisuan::http {
namespace {

TEST(RateLimiter, ABurstOfTwiceTheRateThenTheRate) {
  RateLimiter limit(2);  // 2 a second, bursts of 4
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += limit.Allow("a", 100.0);
  EXPECT_EQ(allowed, 4);
  EXPECT_FALSE(limit.Allow("a", 100.4));      // 0.8 of a token
  EXPECT_TRUE(limit.Allow("a", 100.5));       // 1 token after half a second
  EXPECT_TRUE(limit.Allow("b", 100.5));       // another key has its own bucket
  EXPECT_TRUE(RateLimiter(0).Allow("a", 0));  // 0: no limit
}

TEST(RateLimiter, NewKeysCannotGrowItWithoutBoundNorLockOthersOut) {
  RateLimiter limit(1, 3);
  for (const char* key : {"a", "b", "c"}) {
    EXPECT_TRUE(limit.Allow(key, 10));
    EXPECT_TRUE(limit.Allow(key, 10));  // the burst of 2 spent
  }
  EXPECT_FALSE(limit.Allow("a", 10));
  EXPECT_EQ(limit.keys(), 3u);
  EXPECT_TRUE(limit.Allow("d", 10));  // three busy keys kept: all forgotten, a fourth still gets in
  EXPECT_EQ(limit.keys(), 1u);
  EXPECT_TRUE(limit.Allow("e", 10));
  EXPECT_TRUE(limit.Allow("f", 10));
  EXPECT_TRUE(limit.Allow("g", 20));  // their buckets full again: forgotten, room for it
  EXPECT_LE(limit.keys(), 3u);
}

}  // namespace
}  // namespace zhisuan::http
