// AssertionStore: client assertions (their jti) already used. Every test
// runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <atomic>

namespace latchkey::store_test {
namespace {

class AssertionStoreTest : public StoreTest {};

}  // namespace

TEST_P(AssertionStoreTest, OnlyTheFirstUseOfAKeyIsFirst) {
  EXPECT_TRUE(db().assertions().first_use("app:jti-1", 1060).value());
  EXPECT_FALSE(db().assertions().first_use("app:jti-1", 1060).value());
  EXPECT_FALSE(db().assertions().first_use("app:jti-1", 9999).value());
  EXPECT_TRUE(db().assertions().first_use("app:jti-2", 1060).value());
  EXPECT_TRUE(db().assertions().first_use("other:jti-1", 1060).value());
}

TEST_P(AssertionStoreTest, PruneForgetsExpiredEntriesOnly) {
  ASSERT_TRUE(db().assertions().first_use("a", 1000).value());
  ASSERT_TRUE(db().assertions().first_use("b", 2000).value());
  ASSERT_TRUE(db().assertions().first_use("c", 3000).value());
  EXPECT_EQ(db().assertions().prune(1000).value(), 0);  // expired BEFORE 1000: none
  EXPECT_EQ(db().assertions().prune(2001).value(), 2);
  EXPECT_TRUE(db().assertions().first_use("a", 4000).value());  // forgotten: first again
  EXPECT_FALSE(db().assertions().first_use("c", 4000).value());
  EXPECT_EQ(db().assertions().prune(2001).value(), 0);
}

// Single use holds across instances sharing the database: of concurrent
// uses of one key, exactly one is first.
TEST_P(AssertionStoreTest, ConcurrentUsesOfOneKeyHaveOneFirst) {
  auto second = open_again();
  for (int round = 0; round < 10; ++round) {
    const std::string key = std::string("app:jti-").append(std::to_string(round));
    std::atomic<int> first{0}, replay{0}, failed{0};
    run_threads(8, 20s, [&](int t) {
      Store& s = t % 2 ? *second : db();
      auto r = s.assertions().first_use(key, 5000);
      if (!r) ++failed;
      else if (*r) ++first;
      else ++replay;
    });
    ASSERT_EQ(failed.load(), 0) << key;
    ASSERT_EQ(first.load(), 1) << key;
    ASSERT_EQ(replay.load(), 7) << key;
  }
}

INSTANTIATE_FOR_EVERY_BACKEND(AssertionStoreTest);

}  // namespace latchkey::store_test
