// Database: readiness, persistence across instances, export and import.
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <fstream>

namespace latchkey::store_test {
namespace {

void expect_same_content(const Snapshot& want, const Snapshot& got, const std::string& what) {
  EXPECT_EQ(shown(want.users), shown(got.users)) << what;
  EXPECT_EQ(shown(want.sessions), shown(got.sessions)) << what;
  EXPECT_EQ(shown(want.keys), shown(got.keys)) << what;
  EXPECT_EQ(shown(want.secrets), shown(got.secrets)) << what;
  EXPECT_EQ(shown(want.audit), shown(got.audit)) << what;
  EXPECT_EQ(shown(want.clients), shown(got.clients)) << what;
  EXPECT_EQ(shown(want.consents), shown(got.consents)) << what;
}

// Fills a store through the API with every kind of row and field the
// service writes.
void fill(Store& db) {
  ASSERT_TRUE(db.users().create(User{"u1", "alice", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", 1000, "alice"}));
  ASSERT_TRUE(db.users().create(User{"u2", "bj\xc3\xb6rk", "$hash2", 1001, "bj\xc3\xb6rk"}));
  ASSERT_TRUE(db.users().create(User{"u3", "carol", "$hash3", 1700000000, "carol"}));

  auto live = session("live", "u1", 1000, 9000000000);
  live.created_seq = 1700000000123456;
  live.user_agent = "Mozilla/5.0 (X11; Linux x86_64) \xe2\x80\x94 \xc3\xbc \xe6\x97\xa5\xe6\x9c\xac";
  live.ip = "2001:db8::1";
  ASSERT_TRUE(db.sessions().create(live));

  auto rotated = session("rotated", "u1", 1010, 9000000000, "h0");
  rotated.created_seq = 1700000000123457;
  ASSERT_TRUE(db.sessions().create(rotated));
  ASSERT_TRUE(db.sessions().rotate_refresh(Rotation{"rotated", 0, "h0", "h1", 1100}).value());
  ASSERT_TRUE(db.sessions().rotate_refresh(Rotation{"rotated", 1, "h1", "h2", 1200}).value());

  ASSERT_TRUE(db.sessions().create(session("touched", "u2", 1020, 9000000000)));
  ASSERT_TRUE(db.sessions().touch(std::vector<Usage>{{"touched", 5000}}));

  ASSERT_TRUE(db.sessions().create(session("ended", "u1", 1030, 9000000000)));
  ASSERT_TRUE(db.sessions().revoke("ended", "u1", 1300, EndReason::logout));

  ASSERT_TRUE(db.sessions().create(session("others1", "u2", 1040, 9000000000)));
  ASSERT_TRUE(db.sessions().create(session("others2", "u2", 1050, 9000000000)));
  ASSERT_EQ(db.sessions().revoke_all_of("u2", std::string_view("touched"), 1400, EndReason::password_change)->size(),
            2u);

  auto bare = session("bare", "u3", 1060, 2000);
  bare.user_agent.clear();
  bare.ip.clear();
  ASSERT_TRUE(db.sessions().create(bare));

  ASSERT_TRUE(db.keys().add(StoredKey{"k1", "HS256", "c2VjcmV0", 5, 10, std::nullopt}));
  ASSERT_TRUE(db.keys().add(StoredKey{"k2", "ES256", "ZXMyNTY", 15, 20, std::nullopt}));
  ASSERT_TRUE(db.keys().rotate(StoredKey{"k3", "EdDSA", "ZWQyNTUxOQ", 25, 30, std::nullopt}));

  ASSERT_EQ(db.keys().ensure_secret("refresh", "r-secret", 7).value(), "r-secret");
  ASSERT_EQ(db.keys().ensure_secret("introspection", "i-secret", 8).value(), "i-secret");

  ASSERT_TRUE(db.users().create(User{"u4", "dave", "$hash4", 1002, "dave"}));
  ASSERT_TRUE(db.admin().disable_user("u4", 1500));
  AuditEvent e{"a1", 1600, 1600000001, "login_failed", "user", "", "ZoÃ«", "zoÃ«",
               "", "10.0.0.1", "curl", R"({"reason":"bad_credentials"})"};
  AuditEvent f{"a2", 1601, 1601000000, "admin.user_disabled", "cli", "u4", "dave", "dave", "", "", "", "{}"};
  ASSERT_TRUE(db.audit().append({e, f}));

  ASSERT_TRUE(db.clients().add(OAuthClient{"web", "c2VjcmV0LWRpZ2VzdA", "cmVnLWRpZ2VzdA",
                                           R"({"client_name":"Web Äpp","redirect_uris":["https://a.example/cb"]})",
                                           1700, 1700}));
  ASSERT_TRUE(db.clients().add(OAuthClient{"native", "", "", R"({"token_endpoint_auth_method":"none"})", 1701, 1800}));

  // A browser session and the oauth session it opened, every new field set.
  auto browser = browser_session("browser", "u3", 1070, 9000000000, "Y29va2llLWRpZ2VzdA");
  browser.auth_time = 1065;
  browser.amr = "pwd otp";
  ASSERT_TRUE(db.sessions().create(browser));
  auto oauth = oauth_session("oauth", "u3", 1080, 9000000000, "web", "browser");
  oauth.scope = "openid email";
  ASSERT_TRUE(db.sessions().create(oauth));
  ASSERT_TRUE(db.consents().grant(Consent{"u3", "web", "email openid", 1075}));
  ASSERT_TRUE(db.consents().grant(Consent{"u1", "web", "openid", 1076}));
  ASSERT_TRUE(db.consents().grant(Consent{"u1", "native", "openid profile", 1077}));
}

// The filled content is there (so a round trip compares something).
void expect_filled(const Snapshot& s) {
  EXPECT_EQ(s.users.size(), 4u);
  EXPECT_EQ(s.audit.size(), 2u);
  for (const auto& u : s.users) EXPECT_EQ(u.disabled_at, u.id == "u4" ? std::optional<UnixSeconds>(1500) : std::nullopt);
  EXPECT_EQ(s.sessions.size(), 9u);
  EXPECT_EQ(s.consents.size(), 3u);
  EXPECT_EQ(s.keys.size(), 3u);
  EXPECT_EQ(s.secrets.size(), 2u);
  EXPECT_EQ(s.clients.size(), 2u);
  for (const auto& x : s.sessions) {
    if (x.id == "rotated") {
      EXPECT_EQ(x.generation, 2);
      EXPECT_EQ(x.prev_refresh_hash, "h1");
      EXPECT_EQ(x.refresh_hash, "h2");
      EXPECT_EQ(x.rotated_at, 1200);
      EXPECT_EQ(x.created_seq, 1700000000123457);
    }
    if (x.id == "oauth") {
      EXPECT_EQ(x.kind, "oauth");
      EXPECT_EQ(x.parent_id, "browser");
      EXPECT_EQ(x.client_id, "web");
      EXPECT_EQ(x.scope, "openid email");
    }
    if (x.id == "browser") {
      EXPECT_EQ(x.kind, "browser");
      EXPECT_EQ(x.cookie_hash, "Y29va2llLWRpZ2VzdA");
      EXPECT_EQ(x.auth_time, 1065);
      EXPECT_EQ(x.amr, "pwd otp");
    }
    if (x.id == "others1") {
      EXPECT_EQ(x.revoked_at, 1400);
      EXPECT_EQ(x.end_reason, "password_change");
    }
  }
}

class DatabaseTest : public StoreTest {};

}  // namespace

TEST_P(DatabaseTest, PingAnswersOnAnEmptyAndAFullStore) {
  EXPECT_TRUE(db().database().ping().has_value());
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  EXPECT_TRUE(db().database().ping().has_value());
}

TEST_P(DatabaseTest, DataSurvivesReopening) {
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  ASSERT_TRUE(db().sessions().create(session("s1", "u1", 1000, 9000)));
  ASSERT_TRUE(db().keys().add(StoredKey{"k1", "HS256", "c2VjcmV0", 10, 10, std::nullopt}));
  ASSERT_EQ(db().keys().ensure_secret("x", "first", 1).value(), "first");
  store_.reset();

  store_ = open_again();  // postgres: a new instance on the same, not reset, schema
  EXPECT_TRUE(db().users().find_by_name("alice").has_value());
  EXPECT_EQ(db().sessions().find("s1")->user_id, "u1");
  auto keys = db().keys().list().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, "k1");
  EXPECT_EQ(db().keys().add(StoredKey{"k1", "HS256", "x", 11, 11, std::nullopt}).error(), StoreError::conflict);
  EXPECT_EQ(db().keys().ensure_secret("x", "second", 2).value(), "first");
  EXPECT_EQ(db().users().create(user("u2", "alice")).error(), StoreError::conflict);
}

TEST_P(DatabaseTest, ExportImportRoundTripOnTheSameBackend) {
  ASSERT_NO_FATAL_FAILURE(fill(db()));
  const Snapshot snap = db().database().export_all().value();
  expect_filled(snap);
  store_.reset();

  auto target = open_empty(backend());
  ASSERT_TRUE(target->database().import_all(snap).has_value());
  const Snapshot back = target->database().export_all().value();
  expect_same_content(snap, back, name_of(backend()) + " -> " + name_of(backend()));
  // The imported store works as the original did.
  EXPECT_EQ(target->users().find_by_name("bj\xc3\xb6rk")->id, "u2");
  EXPECT_TRUE(target->sessions().rotate_refresh(Rotation{"rotated", 2, "h2", "h3", 1500}).value());
  EXPECT_EQ(ids(target->sessions().list_live("u1", 2000, 0).value()), (std::vector<std::string>{"rotated", "live"}));
  EXPECT_EQ(target->sessions().find_by_cookie("Y29va2llLWRpZ2VzdA")->session.id, "browser");
  EXPECT_EQ(target->consents().find("u3", "web")->scope, "email openid");
  // The trigger works on imported rows: ending the browser session ends its child.
  ASSERT_TRUE(target->sessions().revoke("browser", "u3", 2000, EndReason::logout));
  EXPECT_EQ(target->sessions().find("oauth")->end_reason, "sso_logout");
}

TEST_P(DatabaseTest, ExportImportRoundTripAcrossBackends) {
  NEED_POSTGRES();  // the other backend, when this one is SQLite
  ASSERT_NO_FATAL_FAILURE(fill(db()));
  const Snapshot snap = db().database().export_all().value();
  expect_filled(snap);
  store_.reset();

  const std::string there = name_of(backend()) + " -> " + name_of(other_backend());
  auto other = open_empty(other_backend());
  ASSERT_TRUE(other->database().import_all(snap).has_value()) << there;
  const Snapshot moved = other->database().export_all().value();
  expect_same_content(snap, moved, there);

  const std::string back_again = there + " -> " + name_of(backend());
  auto back = open_empty(backend());
  ASSERT_TRUE(back->database().import_all(moved).has_value()) << back_again;
  expect_same_content(snap, back->database().export_all().value(), back_again);
}

TEST_P(DatabaseTest, ImportIntoAStoreWithDataIsAConflict) {
  ASSERT_TRUE(db().users().create(user("z1", "zed")));
  auto source = open_empty(Backend::sqlite);
  ASSERT_NO_FATAL_FAILURE(fill(*source));
  const Snapshot snap = source->database().export_all().value();

  EXPECT_EQ(db().database().import_all(snap).error(), StoreError::conflict);
  const Snapshot after = db().database().export_all().value();
  EXPECT_EQ(shown(after.users), (std::vector<std::string>{show(user("z1", "zed"))}));
  EXPECT_TRUE(after.sessions.empty());
  EXPECT_TRUE(after.keys.empty());
  EXPECT_TRUE(after.secrets.empty());
}

TEST_P(DatabaseTest, FailedImportLeavesNothingBehind) {
  Snapshot bad;
  bad.users = {user("u1", "alice"), user("u2", "alice")};  // the second is refused
  bad.keys = {key("k1", 10)};
  bad.secrets = {Secret{"x", "v", 1}};
  EXPECT_EQ(db().database().import_all(bad).error(), StoreError::conflict);
  const Snapshot after = db().database().export_all().value();
  EXPECT_TRUE(after.users.empty());
  EXPECT_TRUE(after.keys.empty());
  EXPECT_TRUE(after.secrets.empty());

  Snapshot good;
  good.users = {user("u1", "alice")};
  good.keys = {key("k1", 10)};
  EXPECT_TRUE(db().database().import_all(good).has_value());
}

INSTANTIATE_FOR_EVERY_BACKEND(DatabaseTest);

// --- not per backend -------------------------------------------------------------

TEST(SqliteStore, UnusableFilesFailAtStartWithAReason) {
  crypto::init();
  latchkey::testing::TempDir dir;
  std::ofstream(dir.file("junk.db")) << std::string(4096, 'x');
  EXPECT_THROW(sqlite::SqliteStore(dir.file("junk.db")), std::runtime_error);
  EXPECT_THROW(sqlite::SqliteStore(dir.file("no/such/dir/x.db")), std::runtime_error);
}

TEST(DatabaseUrl, Parses) {
  EXPECT_EQ(parse_database_url("sqlite://latchkey.db")->target, "latchkey.db");
  EXPECT_EQ(parse_database_url("sqlite:///var/lib/x.db")->target, "/var/lib/x.db");
  EXPECT_EQ(parse_database_url("sqlite:///var/lib/x.db")->kind, DatabaseUrl::Kind::sqlite);
  EXPECT_EQ(parse_database_url("postgres://u@h/db")->kind, DatabaseUrl::Kind::postgres);
  EXPECT_EQ(parse_database_url("postgresql://u@h:5432/db")->kind, DatabaseUrl::Kind::postgres);
  auto kv = parse_database_url("host=127.0.0.1 port=5432 dbname=latchkey user=latchkey");
  ASSERT_TRUE(kv.has_value());
  EXPECT_EQ(kv->kind, DatabaseUrl::Kind::postgres);
  EXPECT_EQ(kv->target, "host=127.0.0.1 port=5432 dbname=latchkey user=latchkey");
  EXPECT_FALSE(parse_database_url("mysql://x").has_value());
  EXPECT_FALSE(parse_database_url("sqlite://").has_value());
}

}  // namespace latchkey::store_test
