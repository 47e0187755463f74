// UserStore: accounts.
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <atomic>

namespace latchkey::store_test {
namespace {

class UserStoreTest : public StoreTest {};

}  // namespace

TEST_P(UserStoreTest, UsersAreUniqueByName) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")).has_value());
  auto dup = db().users().create(user("u2", "alice"));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error(), StoreError::conflict);
  EXPECT_EQ(db().users().create(user("u1", "someone-else")).error(), StoreError::conflict);  // same id
  EXPECT_EQ(db().users().find_by_name("alice")->id, "u1");
  EXPECT_EQ(db().users().find_by_id("u1")->username, "alice");
  EXPECT_EQ(db().users().find_by_id("u1")->created_at, 100);
  EXPECT_EQ(db().users().find_by_name("bob").error(), StoreError::not_found);
  EXPECT_EQ(db().users().find_by_id("u2").error(), StoreError::not_found);
}

TEST_P(UserStoreTest, PasswordHashChangesOnlyForAKnownUser) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().set_password_hash("u1", "$new").has_value());
  EXPECT_EQ(db().users().find_by_name("alice")->password_hash, "$new");
  EXPECT_EQ(db().users().set_password_hash("nobody", "$x").error(), StoreError::not_found);
}

TEST_P(UserStoreTest, ConcurrentSignupsOfOneNameLeaveExactlyOne) {
  std::atomic<int> ok{0}, conflict{0}, other{0};
  run_threads(16, 20s, [&](int i) {
    auto r = db().users().create(user(std::to_string(100 + i), "same"));
    if (r) ++ok;
    else if (r.error() == StoreError::conflict) ++conflict;
    else ++other;
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 15);
  EXPECT_EQ(other.load(), 0);
}

TEST_P(UserStoreTest, ConcurrentSignupsThroughTwoInstancesLeaveExactlyOne) {
  auto second = open_again();
  std::atomic<int> ok{0}, conflict{0}, other{0};
  run_threads(16, 20s, [&](int i) {
    Store& s = i % 2 ? db() : *second;
    auto r = s.users().create(user(std::to_string(100 + i), "same"));
    if (r) ++ok;
    else if (r.error() == StoreError::conflict) ++conflict;
    else ++other;
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 15);
  EXPECT_EQ(other.load(), 0);
}

INSTANTIATE_FOR_EVERY_BACKEND(UserStoreTest);

}  // namespace latchkey::store_test
