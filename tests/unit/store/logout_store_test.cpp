// LogoutStore: the clients noted in browser sessions and the back-channel
// logout queue (the trigger that fills it: session_store_test.cpp). Every
// test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

namespace latchkey::store_test {
namespace {

class LogoutStoreTest : public StoreTest {
 protected:
  // Browser sessions b1..bn of u1, each with client `app` noted, ended in
  // order at 1000, 1001...: one queued delivery each, ids ascending.
  std::vector<std::int64_t> queue(int n) {
    EXPECT_TRUE(db().users().create(user("u1", "alice")));
    for (int i = 1; i <= n; ++i) {
      const std::string id = std::string("b").append(std::to_string(i));
      EXPECT_TRUE(db().sessions().create(browser_session(id, "u1", 500, 9000, "cookie-" + id)));
      EXPECT_TRUE(db().logouts().note_client(id, "app", "https://app.example/bc"));
      EXPECT_TRUE(db().sessions().revoke(id, "u1", 999 + i, EndReason::logout));
    }
    std::vector<std::int64_t> ids;
    auto all = db().logouts().list(100).value();
    for (auto it = all.rbegin(); it != all.rend(); ++it) ids.push_back(it->id);
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(n));
    return ids;
  }

  std::vector<std::string> sessions_of(const std::vector<LogoutDelivery>& rows) {
    std::vector<std::string> out;
    for (const auto& d : rows) out.push_back(d.session_id);
    return out;
  }

  LogoutDelivery by_id(std::int64_t id) {
    const auto all = db().logouts().list(1000).value();
    for (const auto& d : all) {
      if (d.id == id) return d;
    }
    ADD_FAILURE() << "no delivery " << id;
    return {};
  }
};

}  // namespace

TEST_P(LogoutStoreTest, QueuedDeliveriesCarryTheSessionAndClient) {
  auto ids = queue(1);
  auto due = db().logouts().due(1000, 10).value();
  ASSERT_EQ(due.size(), 1u);
  const LogoutDelivery& d = due[0];
  EXPECT_EQ(d.id, ids[0]);
  EXPECT_GT(d.id, 0);
  EXPECT_EQ(d.client_id, "app");
  EXPECT_EQ(d.logout_uri, "https://app.example/bc");
  EXPECT_EQ(d.user_id, "u1");
  EXPECT_EQ(d.session_id, "b1");
  EXPECT_EQ(d.created_at, 1000);
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(d.next_attempt_at, 1000);
  EXPECT_EQ(d.last_error, "");
  EXPECT_FALSE(d.delivered_at);
  EXPECT_FALSE(d.gave_up_at);
  EXPECT_TRUE(db().logouts().due(999, 10)->empty());  // not yet due
}

TEST_P(LogoutStoreTest, NotingAClientNeedsTheSession) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  EXPECT_EQ(db().logouts().note_client("nope", "app", "https://app.example/bc").error(), StoreError::not_found);
  ASSERT_TRUE(db().sessions().create(browser_session("b1", "u1", 500, 9000, "c1")));
  ASSERT_TRUE(db().logouts().note_client("b1", "app", ""));
  ASSERT_TRUE(db().logouts().note_client("b1", "app", ""));  // idempotent
  ASSERT_TRUE(db().sessions().revoke("b1", "u1", 1000, EndReason::logout));
  EXPECT_TRUE(db().logouts().list(10)->empty());  // nothing to deliver to
}

TEST_P(LogoutStoreTest, DueIsOldestFirstUpToTheLimitAndOnlyWhatIsPendingAndDue) {
  auto ids = queue(5);
  EXPECT_EQ(sessions_of(db().logouts().due(2000, 10).value()), (std::vector<std::string>{"b1", "b2", "b3", "b4", "b5"}));
  EXPECT_EQ(sessions_of(db().logouts().due(2000, 2).value()), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(sessions_of(db().logouts().due(1002, 10).value()), (std::vector<std::string>{"b1", "b2", "b3"}));
  ASSERT_TRUE(db().logouts().delivered(ids[0], 2000));
  ASSERT_TRUE(db().logouts().gave_up(ids[1], 2000, "HTTP 500"));
  ASSERT_TRUE(db().logouts().failed(ids[2], 2600, "timeout"));
  EXPECT_EQ(sessions_of(db().logouts().due(2100, 10).value()), (std::vector<std::string>{"b4", "b5"}));
  EXPECT_EQ(sessions_of(db().logouts().due(2600, 10).value()), (std::vector<std::string>{"b3", "b4", "b5"}));
  EXPECT_TRUE(db().logouts().due(2600, 0)->empty());
}

TEST_P(LogoutStoreTest, AttemptsAreCountedAndRecorded) {
  auto ids = queue(3);
  ASSERT_TRUE(db().logouts().failed(ids[0], 1100, "connect: refused"));
  ASSERT_TRUE(db().logouts().failed(ids[0], 1300, "HTTP 503"));
  LogoutDelivery d = by_id(ids[0]);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.next_attempt_at, 1300);
  EXPECT_EQ(d.last_error, "HTTP 503");
  EXPECT_FALSE(d.delivered_at);
  ASSERT_TRUE(db().logouts().delivered(ids[0], 1300));
  ASSERT_TRUE(db().logouts().delivered(ids[0], 1400));  // another instance delivered it too
  d = by_id(ids[0]);
  EXPECT_EQ(d.attempts, 4);
  EXPECT_EQ(d.delivered_at, 1300);  // the first time stays
  EXPECT_FALSE(d.gave_up_at);

  ASSERT_TRUE(db().logouts().gave_up(ids[1], 1500, "HTTP 400"));
  d = by_id(ids[1]);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.gave_up_at, 1500);
  EXPECT_EQ(d.last_error, "HTTP 400");
  EXPECT_FALSE(d.delivered_at);

  EXPECT_EQ(db().logouts().delivered(987654, 1).error(), StoreError::not_found);
  EXPECT_EQ(db().logouts().failed(987654, 1, "x").error(), StoreError::not_found);
  EXPECT_EQ(db().logouts().gave_up(987654, 1, "x").error(), StoreError::not_found);
}

TEST_P(LogoutStoreTest, ListIsNewestFirstUpToTheLimit) {
  auto ids = queue(4);
  EXPECT_EQ(sessions_of(db().logouts().list(10).value()), (std::vector<std::string>{"b4", "b3", "b2", "b1"}));
  EXPECT_EQ(sessions_of(db().logouts().list(2).value()), (std::vector<std::string>{"b4", "b3"}));
  EXPECT_LT(ids[0], ids[3]);
}

TEST_P(LogoutStoreTest, PruneDeletesOnlyDeliveriesFinishedBeforeTheTime) {
  auto ids = queue(4);
  ASSERT_TRUE(db().logouts().delivered(ids[0], 2000));
  ASSERT_TRUE(db().logouts().gave_up(ids[1], 2500, "HTTP 400"));
  ASSERT_TRUE(db().logouts().delivered(ids[2], 3000));
  // ids[3] is pending, however old.
  EXPECT_EQ(db().logouts().prune(2000).value(), 0);
  EXPECT_EQ(db().logouts().prune(2501).value(), 2);
  EXPECT_EQ(sessions_of(db().logouts().list(10).value()), (std::vector<std::string>{"b4", "b3"}));
  EXPECT_EQ(db().logouts().prune(99999).value(), 1);
  EXPECT_EQ(sessions_of(db().logouts().list(10).value()), (std::vector<std::string>{"b4"}));
}

// The queue survives the account: deleting a user ends its sessions first.
TEST_P(LogoutStoreTest, DeliveriesOutliveTheDeletedUser) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(browser_session("b1", "u1", 500, 9000, "c1")));
  ASSERT_TRUE(db().logouts().note_client("b1", "app", "https://app.example/bc"));
  ASSERT_TRUE(db().admin().delete_user("u1", 1000, 0));
  auto due = db().logouts().due(1000, 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].user_id, "u1");
  EXPECT_EQ(due[0].session_id, "b1");
  ASSERT_TRUE(db().logouts().delivered(due[0].id, 1001));
}

INSTANTIATE_FOR_EVERY_BACKEND(LogoutStoreTest);

}  // namespace latchkey::store_test
