#include "auth/replay_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace latchkey::auth {
namespace {

TEST(ReplayCache, ReplayWithinTheWindowGetsTheFirstToken) {
  ReplayCache cache(16, 10);
  EXPECT_EQ(cache.remember("d1", "first", 100), "first");
  EXPECT_EQ(cache.remember("d1", "second", 105), "first");
  EXPECT_EQ(cache.remember("d1", "third", 111), "first");  // window + 1 s
  EXPECT_EQ(cache.remember("d1", "fourth", 112), "fourth");
}

TEST(ReplayCache, ExpiredEntriesLeave) {
  ReplayCache cache(16, 10);
  for (int i = 0; i < 10; ++i) cache.remember(std::to_string(i) + "d", "t", 100);
  EXPECT_EQ(cache.size(), 10u);
  cache.remember("late", "t", 200);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCache, StaysWithinCapacityOldestFirst) {
  ReplayCache cache(4, 10);
  for (int i = 0; i < 100; ++i) cache.remember(std::to_string(i) + "d", std::to_string(i) + "t", 100);
  EXPECT_LE(cache.size(), 4u);
  EXPECT_EQ(cache.remember("99d", "new", 101), "99t");
  EXPECT_EQ(cache.remember("0d", "new", 101), "new");
}

TEST(ReplayCache, ReRecordedKeySurvivesItsOldEntry) {
  ReplayCache cache(16, 1);
  cache.remember("d", "old", 100);
  cache.remember("d", "new", 103);  // the old window closed: recorded again
  EXPECT_EQ(cache.remember("d", "x", 104), "new");
}

}  // namespace
}  // namespace latchkey::auth
