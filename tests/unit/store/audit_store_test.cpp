// AuditStore: the audit trail.
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

namespace latchkey::store_test {
namespace {

AuditEvent event(std::string id, UnixSeconds at, std::int64_t seq, std::string name, std::string user_id = "") {
  AuditEvent e;
  e.id = std::move(id);
  e.at = at;
  e.seq = seq;
  e.event = "login";
  e.actor = "user";
  e.user_id = std::move(user_id);
  e.username = name;
  e.username_key = name;
  e.session_id = "s";
  e.ip = "2001:db8::1";
  e.user_agent = "curl/8 \xe2\x80\x94";
  e.detail = R"({"reason":"x"})";
  return e;
}

std::vector<std::string> event_ids(const std::vector<AuditEvent>& rows) {
  std::vector<std::string> out;
  for (const auto& e : rows) out.push_back(e.id);
  return out;
}

class AuditStoreTest : public StoreTest {};

}  // namespace

TEST_P(AuditStoreTest, AuditEventsKeepEveryFieldAndListNewestFirstPerUser) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  std::vector<AuditEvent> batch = {event("e1", 100, 100'000001, "alice", "u1"), event("e2", 100, 100'000002, "alice", "u1"),
                                   event("e3", 101, 101'000000, "bob"), event("e4", 102, 102'000000, "alice")};
  batch[2].user_id.clear();  // an unknown name
  ASSERT_TRUE(db().audit().append(batch));
  ASSERT_TRUE(db().audit().append({}));
  auto alice = db().audit().list({std::string("alice"), 10, std::nullopt}).value();
  EXPECT_EQ(event_ids(alice), (std::vector<std::string>{"e4", "e2", "e1"}));
  const AuditEvent& e2 = alice[1];
  EXPECT_EQ(e2.at, 100);
  EXPECT_EQ(e2.seq, 100'000002);
  EXPECT_EQ(e2.event, "login");
  EXPECT_EQ(e2.actor, "user");
  EXPECT_EQ(e2.user_id, "u1");
  EXPECT_EQ(e2.username, "alice");
  EXPECT_EQ(e2.username_key, "alice");
  EXPECT_EQ(e2.session_id, "s");
  EXPECT_EQ(e2.ip, "2001:db8::1");
  EXPECT_EQ(e2.user_agent, "curl/8 \xe2\x80\x94");
  EXPECT_EQ(e2.detail, R"({"reason":"x"})");
  EXPECT_EQ(event_ids(db().audit().list({std::nullopt, 10, std::nullopt}).value()),
            (std::vector<std::string>{"e4", "e3", "e2", "e1"}));
  // Pages: at most `limit`, then strictly before the last one shown.
  auto page = db().audit().list({std::nullopt, 2, std::nullopt}).value();
  EXPECT_EQ(event_ids(page), (std::vector<std::string>{"e4", "e3"}));
  auto next = db().audit().list({std::nullopt, 2, std::pair{page.back().at, page.back().seq}}).value();
  EXPECT_EQ(event_ids(next), (std::vector<std::string>{"e2", "e1"}));
  EXPECT_EQ(db().audit().list({std::string("bob"), 10, std::nullopt}).value()[0].user_id, "");
  // A taken id refuses the whole batch.
  EXPECT_EQ(db().audit().append({event("e5", 103, 1, "alice"), event("e1", 103, 2, "alice")}).error(),
            StoreError::conflict);
  EXPECT_EQ(db().audit().list({std::nullopt, 10, std::nullopt}).value().size(), 4u);
}

TEST_P(AuditStoreTest, AuditEventsOutliveTheirUser) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().audit().append({event("e1", 100, 1, "alice", "u1")}));
  ASSERT_TRUE(db().admin().delete_user("u1", 200, 0));
  auto kept = db().audit().list({std::string("alice"), 10, std::nullopt}).value();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].user_id, "u1");
}

TEST_P(AuditStoreTest, PruneRemovesOnlyOlderAuditEvents) {
  std::vector<AuditEvent> batch;
  for (int i = 0; i < 12000; ++i) batch.push_back(event("old" + std::to_string(i), 100 + i % 7, i, "alice"));
  batch.push_back(event("new", 5000, 1, "alice"));
  ASSERT_TRUE(db().audit().append(batch));
  // At most the number asked for per call.
  EXPECT_EQ(db().audit().prune(1000, 0, 5000).value(), 5000u);
  EXPECT_EQ(db().audit().prune(1000, 0, 5000).value(), 5000u);
  EXPECT_EQ(db().audit().prune(1000, 0, 5000).value(), 2000u);
  EXPECT_EQ(event_ids(db().audit().list({std::nullopt, 10, std::nullopt}).value()), std::vector<std::string>{"new"});
  EXPECT_EQ(db().audit().prune(1000, 0, 5000).value(), 0u);
}

INSTANTIATE_FOR_EVERY_BACKEND(AuditStoreTest);

}  // namespace latchkey::store_test
