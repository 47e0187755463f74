// AdminQueries: listing, disabling, enabling and deleting accounts.
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <map>

namespace latchkey::store_test {
namespace {

class AdminQueriesTest : public StoreTest {};

}  // namespace

TEST_P(AdminQueriesTest, ListUsersPagesInKeyOrderWithLiveSessionCounts) {
  for (const char* n : {"carol", "alice", "bob"}) ASSERT_TRUE(db().users().create(user(std::string("id-") + n, n)));
  ASSERT_TRUE(db().sessions().create(session("a1", "id-alice", 100, 9000)));
  ASSERT_TRUE(db().sessions().create(session("a2", "id-alice", 100, 9000)));
  ASSERT_TRUE(db().sessions().create(session("a3", "id-alice", 100, 150)));  // expired at 200
  ASSERT_TRUE(db().sessions().create(session("b1", "id-bob", 100, 9000)));
  ASSERT_TRUE(db().sessions().revoke("b1", "id-bob", 110, EndReason::logout));
  auto first = db().admin().list_users({"", 2, 200, 0}).value();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].user.username, "alice");
  EXPECT_EQ(first[0].live_sessions, 2);
  EXPECT_EQ(first[1].user.username, "bob");
  EXPECT_EQ(first[1].live_sessions, 0);
  auto rest = db().admin().list_users({"bob", 2, 200, 0}).value();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].user.username, "carol");
  EXPECT_FALSE(rest[0].user.disabled_at.has_value());
  // Idle sessions are not live.
  EXPECT_EQ(db().admin().list_users({"", 1, 200, 101}).value()[0].live_sessions, 0);
}

TEST_P(AdminQueriesTest, DisablingEndsEverySessionAndBlocksNewOnes) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().users().create(user("u2", "bob")));
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 100, 9000)));
  ASSERT_TRUE(db().sessions().create(session("s2", "u1", 100, 9000)));
  ASSERT_TRUE(db().sessions().create(session("other", "u2", 100, 9000)));
  ASSERT_TRUE(db().sessions().revoke("s2", "u1", 150, EndReason::logout));
  EXPECT_EQ(db().admin().disable_user("u1", 200).value(), std::vector<std::string>{"s1"});
  EXPECT_EQ(db().users().find_by_id("u1")->disabled_at, 200);
  EXPECT_EQ(db().sessions().find("s1")->end_reason, "user_disabled");
  EXPECT_EQ(db().sessions().find("s2")->revoked_at, 150);  // ended before: untouched
  EXPECT_FALSE(db().sessions().find("other")->revoked_at.has_value());
  // A login after the disable cannot create a session.
  EXPECT_EQ(db().sessions().create(session("s3", "u1", 210, 9000)).error(), StoreError::not_found);
  // Disabling again keeps the first time and ends nothing more.
  EXPECT_TRUE(db().admin().disable_user("u1", 300).value().empty());
  EXPECT_EQ(db().users().find_by_name("alice")->disabled_at, 200);
  EXPECT_EQ(db().admin().disable_user("nobody", 300).error(), StoreError::not_found);

  ASSERT_TRUE(db().admin().enable_user("u1"));
  EXPECT_FALSE(db().users().find_by_id("u1")->disabled_at.has_value());
  EXPECT_TRUE(db().sessions().create(session("s3", "u1", 310, 9000)));
  EXPECT_EQ(db().admin().enable_user("nobody").error(), StoreError::not_found);
  // The revocations are visible to every instance.
  auto revoked = db().sessions().list_revoked_since(200).value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].id, "s1");
}

TEST_P(AdminQueriesTest, DeletingAUserKeepsItsRecentRevocationsAndFreesTheName) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(session("live", "u1", 100, 9000)));
  ASSERT_TRUE(db().sessions().create(session("recent", "u1", 100, 9000)));
  ASSERT_TRUE(db().sessions().create(session("old", "u1", 100, 9000)));
  ASSERT_TRUE(db().sessions().revoke("old", "u1", 120, EndReason::logout));
  ASSERT_TRUE(db().sessions().revoke("recent", "u1", 900, EndReason::logout));
  EXPECT_EQ(db().admin().delete_user("u1", 1000, 500).value(), std::vector<std::string>{"live"});
  EXPECT_EQ(db().users().find_by_id("u1").error(), StoreError::not_found);
  EXPECT_EQ(db().sessions().find("live").error(), StoreError::not_found);
  std::map<std::string, UnixSeconds> revoked;
  const auto rows = db().sessions().list_revoked_since(0).value();
  for (const auto& r : rows) revoked[r.id] = r.revoked_at;
  EXPECT_EQ(revoked, (std::map<std::string, UnixSeconds>{{"live", 1000}, {"recent", 900}}));
  EXPECT_EQ(db().admin().delete_user("u1", 1000, 500).error(), StoreError::not_found);
  ASSERT_TRUE(db().users().create(user("u2", "alice")));  // the name is free again
  // Pruning drops kept revocations older than asked, and nothing else.
  EXPECT_EQ(db().audit().prune(0, 950, 100).value(), 0u);
  EXPECT_EQ(db().sessions().list_revoked_since(0).value().size(), 1u);
}

INSTANTIATE_FOR_EVERY_BACKEND(AdminQueriesTest);

}  // namespace latchkey::store_test
