#include "token/verified_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace latchkey::token {
namespace {

std::shared_ptr<const VerifiedToken> entry(std::string sid, UnixSeconds exp) {
  return std::make_shared<const VerifiedToken>(VerifiedToken{.sub = "user", .username = "alice", .sid = std::move(sid), .exp = exp});
}

TEST(VerifiedCache, HitNeedsTheExactBytes) {
  VerifiedCache cache(64, 30);
  cache.insert("aaa.bbb.ccc", entry("s1", 1000));
  ASSERT_NE(cache.find("aaa.bbb.ccc", 500), nullptr);
  EXPECT_EQ(cache.find("aaa.bbb.ccc", 500)->sid, "s1");
  EXPECT_EQ(cache.find("aaa.bbb.ccd", 500), nullptr);
  EXPECT_EQ(cache.find("aaa.bbb.cc", 500), nullptr);
}

TEST(VerifiedCache, NeverOutlivesExpiryPlusLeeway) {
  VerifiedCache cache(64, 30);
  cache.insert("t", entry("s", 1000));
  EXPECT_NE(cache.find("t", 1030), nullptr);
  EXPECT_EQ(cache.find("t", 1031), nullptr);
}

TEST(VerifiedCache, ClearForgetsEverything) {
  VerifiedCache cache(64, 0);
  cache.insert("t", entry("s", 1000));
  cache.clear();
  EXPECT_EQ(cache.find("t", 1), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VerifiedCache, StaysWithinCapacity) {
  VerifiedCache cache(160, 0);  // 16 shards of 10
  for (int i = 0; i < 10'000; ++i) cache.insert(std::to_string(i) + "-token", entry("s", 1000));
  EXPECT_LE(cache.size(), 160u);
  EXPECT_GT(cache.size(), 100u);
  // The newest survive; the oldest were evicted.
  EXPECT_NE(cache.find("9999-token", 1), nullptr);
  EXPECT_EQ(cache.find("0-token", 1), nullptr);
}

TEST(VerifiedCache, ReinsertingKeepsOneEntry) {
  VerifiedCache cache(64, 0);
  cache.insert("t", entry("first", 1000));
  cache.insert("t", entry("second", 1000));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("t", 1)->sid, "first");
}

TEST(VerifiedCache, ZeroCapacityDisables) {
  VerifiedCache cache(0, 0);
  EXPECT_FALSE(cache.enabled());
  cache.insert("t", entry("s", 1000));
  EXPECT_EQ(cache.find("t", 1), nullptr);
}

}  // namespace
}  // namespace latchkey::token
