#include <gtest/gtest.h>

#include "auth/login_throttle.hpp"
#include "http/rate_limiter.hpp"

using latchkey::auth::LoginThrottle;
using latchkey::auth::ThrottlePolicy;
using latchkey::http::RateLimiter;

TEST(RateLimiter, BucketEmptiesThenRefills) {
  RateLimiter limit(60, 3);  // one a second, three saved up
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limit.acquire("1.2.3.4", t0), 0);
  EXPECT_EQ(limit.acquire("1.2.3.4", t0), 1);  // Retry-After: 1 s
  EXPECT_EQ(limit.acquire("5.6.7.8", t0), 0);  // another client is not affected
  EXPECT_EQ(limit.acquire("1.2.3.4", t0 + std::chrono::seconds(1)), 0);
}

TEST(RateLimiter, ZeroMeansOff) {
  RateLimiter limit(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limit.acquire("x"), 0);
}

TEST(LoginThrottle, PairLocksGrowAndExpireWithoutTouchingOtherDevices) {
  LoginThrottle t(ThrottlePolicy{5, 30, 900, 0, 900, 900});
  for (int i = 0; i < 5; ++i) t.failure("alice", "attacker", 1000);
  EXPECT_FALSE(t.locked("alice", "attacker", 1000));  // five free failures
  t.failure("alice", "attacker", 1000);
  EXPECT_TRUE(t.locked("alice", "attacker", 1029));
  EXPECT_FALSE(t.locked("alice", "attacker", 1030));  // 30 s
  EXPECT_FALSE(t.locked("alice", "phone", 1001));     // the owner's other device
  t.failure("alice", "attacker", 1030);
  EXPECT_TRUE(t.locked("alice", "attacker", 1089));   // 60 s: it doubles
  for (int i = 0; i < 30; ++i) t.failure("alice", "attacker", 2000);
  EXPECT_TRUE(t.locked("alice", "attacker", 2899));
  EXPECT_FALSE(t.locked("alice", "attacker", 2900));  // never more than 15 minutes
}

TEST(LoginThrottle, SuccessClearsThePair) {
  LoginThrottle t(ThrottlePolicy{2, 30, 900, 0, 900, 900});
  t.failure("bob", "ip", 10);
  t.failure("bob", "ip", 10);
  t.success("bob", "ip");
  t.failure("bob", "ip", 11);
  EXPECT_FALSE(t.locked("bob", "ip", 11));
}

TEST(LoginThrottle, AccountWideLockOnlyAtTheHigherThreshold) {
  LoginThrottle t(ThrottlePolicy{5, 30, 900, 20, 900, 900});
  for (int ip = 0; ip < 19; ++ip) t.failure("carol", "ip" + std::to_string(ip), 100);
  EXPECT_FALSE(t.locked("carol", "owner", 100));
  t.failure("carol", "ip19", 100);
  EXPECT_TRUE(t.locked("carol", "owner", 100));  // a distributed attack
  EXPECT_FALSE(t.locked("carol", "owner", 1000));  // ... for 15 minutes
  EXPECT_FALSE(t.locked("dave", "owner", 100));
}
