#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "crypto/random.hpp"
#include "store/open_store.hpp"
#include "temp_dir.hpp"

using namespace latchkey;
using namespace latchkey::store;

namespace {

User user(std::string id, std::string name) { return User{std::move(id), std::move(name), "$hash", 100}; }

Session session(std::string id, std::string user_id, UnixSeconds created, UnixSeconds expires,
                std::string refresh_hash = "") {
  Session s;
  s.refresh_hash = refresh_hash.empty() ? "hash-" + id : refresh_hash;
  s.id = std::move(id);
  s.user_id = std::move(user_id);
  s.created_at = created;
  s.last_used_at = created;
  s.expires_at = expires;
  s.user_agent = "ua";
  s.ip = "127.0.0.1";
  return s;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::init(); }
  latchkey::testing::TempDir dir;
  std::string path = dir.file("test.db");
};

}  // namespace

TEST_F(SqliteStoreTest, UsersAreUniqueByName) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")).has_value());
  auto dup = db.create_user(user("u2", "alice"));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error(), StoreError::conflict);
  EXPECT_EQ(db.find_user_by_name("alice")->id, "u1");
  EXPECT_EQ(db.find_user_by_id("u1")->username, "alice");
  EXPECT_EQ(db.find_user_by_name("bob").error(), StoreError::not_found);
}

TEST_F(SqliteStoreTest, ConcurrentSignupsOfOneNameLeaveExactlyOne) {
  sqlite::SqliteStore db(path);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      if (db.create_user(user(std::to_string(100 + i), "same"))) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_F(SqliteStoreTest, SessionsAndRevocation) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_user(user("u2", "bob")));
  ASSERT_TRUE(db.create_session(session("s1", "u1", 1000, 5000)));
  ASSERT_TRUE(db.create_session(session("s2", "u1", 2000, 5000, "hash2")));
  EXPECT_EQ(db.find_session("s2")->refresh_hash, "hash2");
  EXPECT_EQ(db.find_session("s2")->generation, 0);
  EXPECT_EQ(db.find_session("nope").error(), StoreError::not_found);

  // Another user cannot end it; the owner can, once.
  EXPECT_EQ(db.revoke_session("s1", "u2", 3000, EndReason::logout).error(), StoreError::not_found);
  EXPECT_TRUE(db.revoke_session("s1", "u1", 3000, EndReason::logout).has_value());
  EXPECT_EQ(db.revoke_session("s1", "u1", 3001, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(db.find_session("s1")->revoked_at, 3000);

  auto revoked = db.list_revoked_since(2500).value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].id, "s1");
  EXPECT_TRUE(db.list_revoked_since(3001)->empty());
}

TEST_F(SqliteStoreTest, LiveSessionsNewestFirstWithoutEndedOrExpired) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_session(session("old", "u1", 1000, 9000)));
  ASSERT_TRUE(db.create_session(session("new", "u1", 2000, 9000)));
  ASSERT_TRUE(db.create_session(session("expired", "u1", 1500, 2500)));
  ASSERT_TRUE(db.create_session(session("ended", "u1", 1700, 9000)));
  ASSERT_TRUE(db.create_session(session("idle", "u1", 500, 9000)));
  ASSERT_TRUE(db.revoke_session("ended", "u1", 2600, EndReason::logout));
  auto live = db.list_live_sessions("u1", 3000, 900).value();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].id, "new");
  EXPECT_EQ(live[1].id, "old");
  EXPECT_EQ(live[0].user_agent, "ua");
  EXPECT_EQ(db.list_live_sessions("u1", 3000, 0)->size(), 3u);  // "idle" counts without an idle limit
}

TEST_F(SqliteStoreTest, SameSecondSessionsListNewestFirst) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  std::int64_t seq = 0;
  for (const char* id : {"zz", "aa", "mm"}) {
    auto s = session(id, "u1", 1000, 9000);
    s.created_seq = ++seq;
    ASSERT_TRUE(db.create_session(s));
  }
  auto live = db.list_live_sessions("u1", 2000, 0).value();
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[0].id, "mm");
  EXPECT_EQ(live[2].id, "zz");
}

TEST_F(SqliteStoreTest, TouchNeverMovesLastUseBackwards) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_session(session("s1", "u1", 1000, 9000)));
  ASSERT_TRUE(db.touch_sessions({{"s1", 4000}, {"missing", 4000}}).has_value());
  EXPECT_EQ(db.find_session("s1")->last_used_at, 4000);
  ASSERT_TRUE(db.touch_sessions({{"s1", 3000}}).has_value());
  EXPECT_EQ(db.find_session("s1")->last_used_at, 4000);
}

TEST_F(SqliteStoreTest, RotationIsACompareAndSet) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_session(session("s1", "u1", 1000, 9000, "h0")));
  EXPECT_TRUE(db.rotate_refresh(Rotation{"s1", 0, "h0", "h1", 1100}).value());
  EXPECT_FALSE(db.rotate_refresh(Rotation{"s1", 0, "h0", "h1b", 1101}).value());  // lost the race
  auto s = db.find_session("s1").value();
  EXPECT_EQ(s.generation, 1);
  EXPECT_EQ(s.refresh_hash, "h1");
  EXPECT_EQ(s.prev_refresh_hash, "h0");
  EXPECT_EQ(s.rotated_at, 1100);
  EXPECT_EQ(s.last_used_at, 1100);
  ASSERT_TRUE(db.revoke_session("s1", "u1", 1200, EndReason::logout));
  EXPECT_FALSE(db.rotate_refresh(Rotation{"s1", 1, "h1", "h2", 1300}).value());  // ended
}

TEST_F(SqliteStoreTest, ConcurrentRotationsOfOneGenerationLeaveOneWinner) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_session(session("s1", "u1", 1000, 9000, "h0")));
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      const std::string next = std::to_string(1000 + i);
      if (db.rotate_refresh(Rotation{"s1", 0, "h0", next, 1100}).value_or(false)) ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(db.find_session("s1")->generation, 1);
}

TEST_F(SqliteStoreTest, RevokeAllButOne) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_user(user("u2", "bob")));
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(db.create_session(session(id, "u1", 1000, 9000)));
  ASSERT_TRUE(db.create_session(session("bob1", "u2", 1000, 9000)));
  auto ended = db.revoke_user_sessions("u1", std::string_view("b"), 2000, EndReason::logout_others).value();
  EXPECT_EQ(ended.size(), 2u);
  EXPECT_FALSE(db.find_session("b")->revoked_at.has_value());
  EXPECT_FALSE(db.find_session("bob1")->revoked_at.has_value());
  EXPECT_EQ(db.revoke_user_sessions("u1", std::nullopt, 2001, EndReason::logout_all)->size(), 1u);
  EXPECT_TRUE(db.list_live_sessions("u1", 2002, 0)->empty());
}

TEST_F(SqliteStoreTest, SecretsAreCreatedOnce) {
  sqlite::SqliteStore db(path);
  EXPECT_EQ(db.ensure_secret("x", "first", 1).value(), "first");
  EXPECT_EQ(db.ensure_secret("x", "second", 2).value(), "first");
}

TEST_F(SqliteStoreTest, DataSurvivesReopening) {
  {
    sqlite::SqliteStore db(path);
    ASSERT_TRUE(db.create_user(user("u1", "alice")));
    ASSERT_TRUE(db.add_key(StoredKey{"k1", "HS256", "c2VjcmV0", 10, 10, std::nullopt}));
  }
  sqlite::SqliteStore db(path);
  EXPECT_TRUE(db.find_user_by_name("alice").has_value());
  auto keys = db.list_keys().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, "k1");
  EXPECT_EQ(db.add_key(StoredKey{"k1", "HS256", "x", 11, 11, std::nullopt}).error(), StoreError::conflict);
}

TEST_F(SqliteStoreTest, UnusableFilesFailAtStartWithAReason) {
  std::ofstream(dir.file("junk.db")) << std::string(4096, 'x');
  EXPECT_THROW(sqlite::SqliteStore(dir.file("junk.db")), std::runtime_error);
  EXPECT_THROW(sqlite::SqliteStore(dir.file("no/such/dir/x.db")), std::runtime_error);
}

TEST(DatabaseUrl, Parses) {
  EXPECT_EQ(parse_database_url("sqlite://latchkey.db")->target, "latchkey.db");
  EXPECT_EQ(parse_database_url("sqlite:///var/lib/x.db")->target, "/var/lib/x.db");
  EXPECT_EQ(parse_database_url("postgres://u@h/db")->kind, DatabaseUrl::Kind::postgres);
  EXPECT_FALSE(parse_database_url("mysql://x").has_value());
  EXPECT_FALSE(parse_database_url("sqlite://").has_value());
}
