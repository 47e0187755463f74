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

Session session(std::string id, std::string user_id, UnixSeconds created, UnixSeconds expires) {
  Session s;
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

TEST_F(SqliteStoreTest, SessionsByRefreshHashAndRevocation) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_user(user("u2", "bob")));
  ASSERT_TRUE(db.create_session(session("s1", "u1", 1000, 5000), "hash1"));
  ASSERT_TRUE(db.create_session(session("s2", "u1", 2000, 5000), "hash2"));
  EXPECT_EQ(db.find_session_by_refresh_hash("hash2")->id, "s2");
  EXPECT_EQ(db.find_session_by_refresh_hash("nope").error(), StoreError::not_found);

  // Another user cannot end it; the owner can, once.
  EXPECT_EQ(db.revoke_session("s1", "u2", 3000).error(), StoreError::not_found);
  EXPECT_TRUE(db.revoke_session("s1", "u1", 3000).has_value());
  EXPECT_EQ(db.revoke_session("s1", "u1", 3001).error(), StoreError::not_found);
  EXPECT_EQ(db.find_session("s1")->revoked_at, 3000);

  auto revoked = db.list_revoked_since(2500).value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].id, "s1");
  EXPECT_TRUE(db.list_revoked_since(3001)->empty());
}

TEST_F(SqliteStoreTest, LiveSessionsNewestFirstWithoutEndedOrExpired) {
  sqlite::SqliteStore db(path);
  ASSERT_TRUE(db.create_user(user("u1", "alice")));
  ASSERT_TRUE(db.create_session(session("old", "u1", 1000, 9000), "h1"));
  ASSERT_TRUE(db.create_session(session("new", "u1", 2000, 9000), "h2"));
  ASSERT_TRUE(db.create_session(session("expired", "u1", 1500, 2500), "h3"));
  ASSERT_TRUE(db.create_session(session("ended", "u1", 1700, 9000), "h4"));
  ASSERT_TRUE(db.revoke_session("ended", "u1", 2600));
  auto live = db.list_live_sessions("u1", 3000).value();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].id, "new");
  EXPECT_EQ(live[1].id, "old");
  EXPECT_EQ(live[0].user_agent, "ua");
  EXPECT_TRUE(db.touch_session("old", 4000).has_value());
  EXPECT_EQ(db.find_session("old")->last_used_at, 4000);
}

TEST_F(SqliteStoreTest, DataSurvivesReopening) {
  {
    sqlite::SqliteStore db(path);
    ASSERT_TRUE(db.create_user(user("u1", "alice")));
    ASSERT_TRUE(db.add_key(StoredKey{"k1", "HS256", "c2VjcmV0", 10}));
  }
  sqlite::SqliteStore db(path);
  EXPECT_TRUE(db.find_user_by_name("alice").has_value());
  auto keys = db.list_keys().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, "k1");
  EXPECT_EQ(db.add_key(StoredKey{"k1", "HS256", "x", 11}).error(), StoreError::conflict);
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
