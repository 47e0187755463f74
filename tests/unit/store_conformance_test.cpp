// One behaviour suite for every Store backend: each test is written once
// against `Store&` and runs on SQLite and on PostgreSQL.
//
// PostgreSQL: LATCHKEY_TEST_PG_URL names a server the tests may wipe (every
// test starts from `DROP SCHEMA public CASCADE`); scripts/pg-test-server.sh
// starts a throwaway one. Without it the postgres cases are skipped, unless
// LATCHKEY_REQUIRE_PG=1 (CI), which turns the skip into a failure. The
// postgres cases take a session advisory lock for their whole run, so
// `ctest -j` (one process per test) never resets the schema under another.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/random.hpp"
#include "store/open_store.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

using namespace latchkey;
using namespace latchkey::store;
using namespace std::chrono_literals;

namespace {

enum class Backend { sqlite, postgres };

std::string name_of(Backend b) { return b == Backend::sqlite ? "sqlite" : "postgres"; }
void PrintTo(Backend b, std::ostream* os) { *os << name_of(b); }

constexpr std::size_t kPoolSize = 8;
constexpr std::int64_t kTestLock = 0x6c6b2d7465737473;  // "lk-tests": one postgres test at a time

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

std::optional<std::string> pg_url() {
  if (const char* v = env("LATCHKEY_TEST_PG_URL")) return std::string(v);
  return std::nullopt;
}

bool pg_required() {
  const char* v = env("LATCHKEY_REQUIRE_PG");
  return v && std::string_view(v) != "0";
}

// A plain libpq connection of the test's own: the cross-process lock and the
// schema reset.
class PgAdmin {
 public:
  explicit PgAdmin(const std::string& url) {
    const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char* values[] = {url.c_str(), "5", "latchkey-unit-tests", nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
  }
  ~PgAdmin() {
    if (conn_) PQfinish(conn_);
  }
  PgAdmin(const PgAdmin&) = delete;
  PgAdmin& operator=(const PgAdmin&) = delete;

  bool ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return conn_ ? PQerrorMessage(conn_) : "out of memory"; }

  // Runs `sql`; empty on success, else the server's message.
  std::string exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    std::string err;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      err = r ? PQresultErrorMessage(r) : error();
    PQclear(r);
    return err;
  }

 private:
  PGconn* conn_ = nullptr;
};

User user(std::string id, std::string name) { return User{std::move(id), name, "$hash", 100, name}; }

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

StoredKey key(std::string kid, UnixSeconds not_before, std::optional<UnixSeconds> retired = std::nullopt,
              UnixSeconds created = 0) {
  return StoredKey{std::move(kid), "ES256", "bWF0ZXJpYWw", created ? created : not_before, not_before,
                   retired};
}

std::vector<std::string> ids(const std::vector<Session>& rows) {
  std::vector<std::string> out;
  for (const auto& s : rows) out.push_back(s.id);
  return out;
}

std::vector<std::string> kids(const std::vector<StoredKey>& rows) {
  std::vector<std::string> out;
  for (const auto& k : rows) out.push_back(k.kid);
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Records as text, so a mismatch names the field.
std::string opt(std::optional<UnixSeconds> v) { return v ? std::to_string(*v) : "null"; }

std::string show(const User& u) {
  return "user{" + u.id + " username=" + u.username + " hash=" + u.password_hash +
         " created_at=" + std::to_string(u.created_at) + " disabled_at=" + opt(u.disabled_at) + "}";
}

std::string show(const Session& s) {
  return "session{" + s.id + " user=" + s.user_id + " created_at=" + std::to_string(s.created_at) +
         " last_used_at=" + std::to_string(s.last_used_at) + " expires_at=" + std::to_string(s.expires_at) +
         " revoked_at=" + opt(s.revoked_at) + " ua=" + s.user_agent + " ip=" + s.ip +
         " refresh_hash=" + s.refresh_hash + " prev_refresh_hash=" + s.prev_refresh_hash +
         " generation=" + std::to_string(s.generation) + " rotated_at=" + opt(s.rotated_at) +
         " created_seq=" + std::to_string(s.created_seq) + " end_reason=" + s.end_reason + "}";
}

std::string show(const StoredKey& k) {
  return "key{" + k.kid + " alg=" + k.alg + " material=" + k.material +
         " created_at=" + std::to_string(k.created_at) + " not_before=" + std::to_string(k.not_before) +
         " retired_at=" + opt(k.retired_at) + "}";
}

std::string show(const AuditEvent& e) {
  return "audit{" + e.id + " at=" + std::to_string(e.at) + " seq=" + std::to_string(e.seq) + " event=" + e.event +
         " actor=" + e.actor + " user_id=" + e.user_id + " username=" + e.username + " key=" + e.username_key +
         " session=" + e.session_id + " ip=" + e.ip + " ua=" + e.user_agent + " detail=" + e.detail + "}";
}

std::string show(const Secret& s) {
  return "secret{" + s.name + " value=" + s.value + " created_at=" + std::to_string(s.created_at) + "}";
}

template <class T>
std::vector<std::string> shown(const std::vector<T>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(show(r));
  std::sort(out.begin(), out.end());
  return out;
}

void expect_same_content(const Snapshot& want, const Snapshot& got, const std::string& what) {
  EXPECT_EQ(shown(want.users), shown(got.users)) << what;
  EXPECT_EQ(shown(want.sessions), shown(got.sessions)) << what;
  EXPECT_EQ(shown(want.keys), shown(got.keys)) << what;
  EXPECT_EQ(shown(want.secrets), shown(got.secrets)) << what;
  EXPECT_EQ(shown(want.audit), shown(got.audit)) << what;
}

// Runs fn(i) on `n` threads released together. A hang must not stall CI:
// the run is aborted, naming the test, when they are not done in `limit`.
template <class Fn>
void run_threads(int n, std::chrono::seconds limit, Fn fn) {
  std::latch go(n);
  std::mutex m;
  std::condition_variable cv;
  int done = 0;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      fn(i);
      {
        std::lock_guard lock(m);
        ++done;
      }
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, limit, [&] { return done == n; })) {
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      std::fprintf(stderr, "%s.%s: %d of %d threads still running after %lld s; aborting\n",
                   info ? info->test_suite_name() : "?", info ? info->name() : "?", n - done, n,
                   static_cast<long long>(limit.count()));
      std::fflush(stderr);
      std::abort();
    }
  }
  for (auto& t : threads) t.join();
}

// What a watcher reported, from the store's own thread.
class Heard {
 public:
  void revoked(const RevokedSession& r) {
    {
      std::lock_guard lock(m_);
      revoked_[r.id] = r.revoked_at;
    }
    cv_.notify_all();
  }
  void resync() {
    {
      std::lock_guard lock(m_);
      ++resyncs_;
    }
    cv_.notify_all();
  }
  // The revoked_at reported for `id`, once it is.
  std::optional<UnixSeconds> wait_for(const std::string& id, std::chrono::milliseconds limit) {
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, limit, [&] { return revoked_.count(id) > 0; })) return std::nullopt;
    return revoked_[id];
  }
  // True once `id` is reported or a resync asked for.
  bool wait_for_or_resync(const std::string& id, std::chrono::milliseconds limit) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, limit, [&] { return revoked_.count(id) > 0 || resyncs_ > 0; });
  }
  bool wait_any(std::chrono::milliseconds limit) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, limit, [&] { return !revoked_.empty(); });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::map<std::string, UnixSeconds> revoked_;
  int resyncs_ = 0;
};

// Stops a store's watcher when the test body ends, however it ends, before
// what its callbacks use goes away.
class StopWatching {
 public:
  explicit StopWatching(Store& s) : s_(s) {}
  ~StopWatching() { s_.stop_watching(); }
  StopWatching(const StopWatching&) = delete;
  StopWatching& operator=(const StopWatching&) = delete;

 private:
  Store& s_;
};

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    crypto::init();
    // Migrations log at info for every store opened: keep the output readable.
    restore_info_ = log::enabled(log::Level::info);
    log::set_level(log::Level::warn);
    if (GetParam() == Backend::postgres) {
      claim_postgres();
      if (IsSkipped() || HasFatalFailure()) return;
    }
    store_ = open_empty(GetParam(), true);
  }

  void TearDown() override {
    if (store_) store_->stop_watching();
    store_.reset();
    pg_.reset();  // releases the lock
    if (restore_info_) log::set_level(log::Level::info);
  }

  Store& db() { return *store_; }
  Backend backend() const { return GetParam(); }
  Backend other_backend() const { return GetParam() == Backend::sqlite ? Backend::postgres : Backend::sqlite; }

  // PostgreSQL for this test: skipped without a URL (a failure under
  // LATCHKEY_REQUIRE_PG=1), then the cross-process lock. Check
  // IsSkipped()/HasFatalFailure() after it (see NEED_POSTGRES).
  void claim_postgres() {
    if (pg_) return;
    const auto url = pg_url();
    if (!url) {
      if (pg_required()) {
        FAIL() << "LATCHKEY_REQUIRE_PG is set but LATCHKEY_TEST_PG_URL is not: the PostgreSQL store "
                  "tests cannot run (start a server with scripts/pg-test-server.sh start DIR)";
      }
      GTEST_SKIP() << "PostgreSQL store tests skipped: LATCHKEY_TEST_PG_URL is not set "
                      "(scripts/pg-test-server.sh start DIR prints one; LATCHKEY_REQUIRE_PG=1 "
                      "makes this a failure)";
    }
    auto admin = std::make_unique<PgAdmin>(*url);
    ASSERT_TRUE(admin->ok()) << "cannot connect to LATCHKEY_TEST_PG_URL=" << *url << ": " << admin->error();
    ASSERT_EQ(admin->exec("SELECT pg_advisory_lock(" + std::to_string(kTestLock) + ")"), "");
    pg_ = std::move(admin);
  }

  // An empty store: a new SQLite file, or the PostgreSQL database reset to an
  // empty public schema (so no other PostgreSQL store of the test may be in use).
  std::unique_ptr<Store> open_empty(Backend b, bool main = false) {
    if (b == Backend::sqlite) {
      const std::string path = main ? main_path_ : dir_.file("store-" + std::to_string(++files_) + ".db");
      return std::make_unique<sqlite::SqliteStore>(path);
    }
    if (!pg_) throw std::logic_error("open_empty(postgres) without claim_postgres()");
    const std::string err = pg_->exec(
        "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    if (!err.empty()) throw std::runtime_error("cannot reset the PostgreSQL schema: " + err);
    return std::make_unique<postgres::PostgresStore>(*pg_url(), kPoolSize);
  }

  // Another instance on the main store's database (a second process).
  std::unique_ptr<Store> open_again() {
    if (backend() == Backend::sqlite) return std::make_unique<sqlite::SqliteStore>(main_path_);
    return std::make_unique<postgres::PostgresStore>(*pg_url(), kPoolSize);
  }

  latchkey::testing::TempDir dir_;
  std::string main_path_ = dir_.file("main.db");
  int files_ = 0;
  std::unique_ptr<PgAdmin> pg_;
  std::unique_ptr<Store> store_;
  bool restore_info_ = false;
};

#define NEED_POSTGRES()                             \
  do {                                              \
    claim_postgres();                               \
    if (IsSkipped() || HasFatalFailure()) return;   \
  } while (0)

// Fills a store through the API with every kind of row and field the
// service writes.
void fill(Store& db) {
  ASSERT_TRUE(db.create_user(User{"u1", "alice", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", 1000, "alice"}));
  ASSERT_TRUE(db.create_user(User{"u2", "bj\xc3\xb6rk", "$hash2", 1001, "bj\xc3\xb6rk"}));
  ASSERT_TRUE(db.create_user(User{"u3", "carol", "$hash3", 1700000000, "carol"}));

  auto live = session("live", "u1", 1000, 9000000000);
  live.created_seq = 1700000000123456;
  live.user_agent = "Mozilla/5.0 (X11; Linux x86_64) \xe2\x80\x94 \xc3\xbc \xe6\x97\xa5\xe6\x9c\xac";
  live.ip = "2001:db8::1";
  ASSERT_TRUE(db.create_session(live));

  auto rotated = session("rotated", "u1", 1010, 9000000000, "h0");
  rotated.created_seq = 1700000000123457;
  ASSERT_TRUE(db.create_session(rotated));
  ASSERT_TRUE(db.rotate_refresh(Rotation{"rotated", 0, "h0", "h1", 1100}).value());
  ASSERT_TRUE(db.rotate_refresh(Rotation{"rotated", 1, "h1", "h2", 1200}).value());

  ASSERT_TRUE(db.create_session(session("touched", "u2", 1020, 9000000000)));
  ASSERT_TRUE(db.touch_sessions(std::vector<Usage>{{"touched", 5000}}));

  ASSERT_TRUE(db.create_session(session("ended", "u1", 1030, 9000000000)));
  ASSERT_TRUE(db.revoke_session("ended", "u1", 1300, EndReason::logout));

  ASSERT_TRUE(db.create_session(session("others1", "u2", 1040, 9000000000)));
  ASSERT_TRUE(db.create_session(session("others2", "u2", 1050, 9000000000)));
  ASSERT_EQ(db.revoke_user_sessions("u2", std::string_view("touched"), 1400, EndReason::password_change)->size(),
            2u);

  auto bare = session("bare", "u3", 1060, 2000);
  bare.user_agent.clear();
  bare.ip.clear();
  ASSERT_TRUE(db.create_session(bare));

  ASSERT_TRUE(db.add_key(StoredKey{"k1", "HS256", "c2VjcmV0", 5, 10, std::nullopt}));
  ASSERT_TRUE(db.add_key(StoredKey{"k2", "ES256", "ZXMyNTY", 15, 20, std::nullopt}));
  ASSERT_TRUE(db.rotate_key(StoredKey{"k3", "EdDSA", "ZWQyNTUxOQ", 25, 30, std::nullopt}));

  ASSERT_EQ(db.ensure_secret("refresh", "r-secret", 7).value(), "r-secret");
  ASSERT_EQ(db.ensure_secret("introspection", "i-secret", 8).value(), "i-secret");

  ASSERT_TRUE(db.create_user(User{"u4", "dave", "$hash4", 1002, "dave"}));
  ASSERT_TRUE(db.disable_user("u4", 1500));
  AuditEvent e{"a1", 1600, 1600000001, "login_failed", "user", "", "ZoÃ«", "zoÃ«",
               "", "10.0.0.1", "curl", R"({"reason":"bad_credentials"})"};
  AuditEvent f{"a2", 1601, 1601000000, "admin.user_disabled", "cli", "u4", "dave", "dave", "", "", "", "{}"};
  ASSERT_TRUE(db.append_audit({e, f}));
}

// The filled content is there (so a round trip compares something).
void expect_filled(const Snapshot& s) {
  EXPECT_EQ(s.users.size(), 4u);
  EXPECT_EQ(s.audit.size(), 2u);
  for (const auto& u : s.users) EXPECT_EQ(u.disabled_at, u.id == "u4" ? std::optional<UnixSeconds>(1500) : std::nullopt);
  EXPECT_EQ(s.sessions.size(), 7u);
  EXPECT_EQ(s.keys.size(), 3u);
  EXPECT_EQ(s.secrets.size(), 2u);
  for (const auto& x : s.sessions) {
    if (x.id == "rotated") {
      EXPECT_EQ(x.generation, 2);
      EXPECT_EQ(x.prev_refresh_hash, "h1");
      EXPECT_EQ(x.refresh_hash, "h2");
      EXPECT_EQ(x.rotated_at, 1200);
      EXPECT_EQ(x.created_seq, 1700000000123457);
    }
    if (x.id == "others1") {
      EXPECT_EQ(x.revoked_at, 1400);
      EXPECT_EQ(x.end_reason, "password_change");
    }
  }
}

}  // namespace

// --- users -----------------------------------------------------------------

TEST_P(StoreConformance, UsersAreUniqueByName) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")).has_value());
  auto dup = db().create_user(user("u2", "alice"));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error(), StoreError::conflict);
  EXPECT_EQ(db().create_user(user("u1", "someone-else")).error(), StoreError::conflict);  // same id
  EXPECT_EQ(db().find_user_by_name("alice")->id, "u1");
  EXPECT_EQ(db().find_user_by_id("u1")->username, "alice");
  EXPECT_EQ(db().find_user_by_id("u1")->created_at, 100);
  EXPECT_EQ(db().find_user_by_name("bob").error(), StoreError::not_found);
  EXPECT_EQ(db().find_user_by_id("u2").error(), StoreError::not_found);
}

TEST_P(StoreConformance, PasswordHashChangesOnlyForAKnownUser) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().set_password_hash("u1", "$new").has_value());
  EXPECT_EQ(db().find_user_by_name("alice")->password_hash, "$new");
  EXPECT_EQ(db().set_password_hash("nobody", "$x").error(), StoreError::not_found);
}

TEST_P(StoreConformance, ConcurrentSignupsOfOneNameLeaveExactlyOne) {
  std::atomic<int> ok{0}, conflict{0}, other{0};
  run_threads(16, 20s, [&](int i) {
    auto r = db().create_user(user(std::to_string(100 + i), "same"));
    if (r) ++ok;
    else if (r.error() == StoreError::conflict) ++conflict;
    else ++other;
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 15);
  EXPECT_EQ(other.load(), 0);
}

TEST_P(StoreConformance, ConcurrentSignupsThroughTwoInstancesLeaveExactlyOne) {
  auto second = open_again();
  std::atomic<int> ok{0}, conflict{0}, other{0};
  run_threads(16, 20s, [&](int i) {
    Store& s = i % 2 ? db() : *second;
    auto r = s.create_user(user(std::to_string(100 + i), "same"));
    if (r) ++ok;
    else if (r.error() == StoreError::conflict) ++conflict;
    else ++other;
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 15);
  EXPECT_EQ(other.load(), 0);
}

// --- sessions --------------------------------------------------------------

TEST_P(StoreConformance, SessionKeepsEveryFieldItWasCreatedWith) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  auto s = session("s1", "u1", 1000, 5000, "h0");
  s.last_used_at = 1001;
  s.user_agent = "Mozilla/5.0 \xc3\xbc \xe6\x97\xa5\xe6\x9c\xac";
  s.ip = "2001:db8::1";
  s.created_seq = 1700000000123456;
  ASSERT_TRUE(db().create_session(s));
  const Session got = db().find_session("s1").value();
  Session want = s;  // a new session: never rotated, not ended
  EXPECT_EQ(show(got), show(want));
  EXPECT_EQ(db().create_session(session("s1", "u1", 1000, 5000, "other")).error(), StoreError::conflict);
  EXPECT_EQ(db().create_session(session("s2", "u1", 1000, 5000, "h0")).error(), StoreError::conflict);
}

TEST_P(StoreConformance, SessionAndUserAreReadTogether) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  auto s = session("s1", "u1", 1000, 5000, "h0");
  s.user_agent = "agent";
  ASSERT_TRUE(db().create_session(s));
  auto both = db().find_session_and_user("s1");
  ASSERT_TRUE(both);
  EXPECT_EQ(show(both->session), show(db().find_session("s1").value()));
  ASSERT_TRUE(both->user.has_value());
  EXPECT_EQ(both->user->id, "u1");
  EXPECT_EQ(both->user->username, "alice");
  EXPECT_EQ(both->user->password_hash, db().find_user_by_id("u1")->password_hash);
  EXPECT_FALSE(both->user->disabled_at.has_value());
  ASSERT_TRUE(db().disable_user("u1", 2000));
  EXPECT_EQ(db().find_session_and_user("s1")->user->disabled_at, 2000);
  EXPECT_EQ(db().find_session_and_user("nope").error(), StoreError::not_found);
}

TEST_P(StoreConformance, SessionsAndRevocation) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_user(user("u2", "bob")));
  ASSERT_TRUE(db().create_session(session("s1", "u1", 1000, 5000)));
  ASSERT_TRUE(db().create_session(session("s2", "u1", 2000, 5000, "hash2")));
  EXPECT_EQ(db().find_session("s2")->refresh_hash, "hash2");
  EXPECT_EQ(db().find_session("s2")->generation, 0);
  EXPECT_EQ(db().find_session("nope").error(), StoreError::not_found);

  // Another user cannot end it; the owner can, once.
  EXPECT_EQ(db().revoke_session("s1", "u2", 3000, EndReason::logout).error(), StoreError::not_found);
  EXPECT_TRUE(db().revoke_session("s1", "u1", 3000, EndReason::logout).has_value());
  EXPECT_EQ(db().revoke_session("s1", "u1", 3001, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(db().find_session("s1")->revoked_at, 3000);
  EXPECT_EQ(db().find_session("s1")->end_reason, "logout");
  EXPECT_FALSE(db().find_session("s2")->revoked_at.has_value());
  EXPECT_EQ(db().find_session("s2")->end_reason, "");
  // An expired session is already over: nothing to end.
  EXPECT_EQ(db().revoke_session("s2", "u1", 5000, EndReason::logout).error(), StoreError::not_found);
  EXPECT_EQ(db().revoke_session("nope", "u1", 3000, EndReason::logout).error(), StoreError::not_found);

  auto revoked = db().list_revoked_since(2500).value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].id, "s1");
  EXPECT_TRUE(db().list_revoked_since(3001)->empty());
}

TEST_P(StoreConformance, LiveSessionsNewestFirstWithoutEndedOrExpired) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_user(user("u2", "bob")));
  ASSERT_TRUE(db().create_session(session("old", "u1", 1000, 9000)));
  ASSERT_TRUE(db().create_session(session("new", "u1", 2000, 9000)));
  ASSERT_TRUE(db().create_session(session("expired", "u1", 1500, 2500)));
  ASSERT_TRUE(db().create_session(session("ended", "u1", 1700, 9000)));
  ASSERT_TRUE(db().create_session(session("idle", "u1", 500, 9000)));
  ASSERT_TRUE(db().create_session(session("bobs", "u2", 1800, 9000)));
  ASSERT_TRUE(db().revoke_session("ended", "u1", 2600, EndReason::logout));
  auto live = db().list_live_sessions("u1", 3000, 900).value();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].id, "new");
  EXPECT_EQ(live[1].id, "old");
  EXPECT_EQ(live[0].user_agent, "ua");
  EXPECT_EQ(db().list_live_sessions("u1", 3000, 0)->size(), 3u);  // "idle" counts without an idle limit
  // Bounds: expires_at is the first second it is over; used exactly at idle_since is not idle.
  EXPECT_EQ(ids(db().list_live_sessions("u1", 2499, 1000).value()), (std::vector<std::string>{"new", "expired", "old"}));
  EXPECT_EQ(ids(db().list_live_sessions("u1", 2500, 1000).value()), (std::vector<std::string>{"new", "old"}));
  EXPECT_TRUE(db().list_live_sessions("nobody", 3000, 0)->empty());
}

TEST_P(StoreConformance, CountLiveSessionsCountsEveryUserAsListingDoes) {
  EXPECT_EQ(db().count_live_sessions(3000, 0).value(), 0);
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_user(user("u2", "bob")));
  ASSERT_TRUE(db().create_session(session("old", "u1", 1000, 9000)));
  ASSERT_TRUE(db().create_session(session("expired", "u1", 1500, 2500)));
  ASSERT_TRUE(db().create_session(session("ended", "u1", 1700, 9000)));
  ASSERT_TRUE(db().create_session(session("idle", "u1", 500, 9000)));
  ASSERT_TRUE(db().create_session(session("bobs", "u2", 1800, 9000)));
  ASSERT_TRUE(db().revoke_session("ended", "u1", 2600, EndReason::logout));
  EXPECT_EQ(db().count_live_sessions(3000, 900).value(), 2);  // old, bobs
  EXPECT_EQ(db().count_live_sessions(3000, 0).value(), 3);    // and idle
  EXPECT_EQ(db().count_live_sessions(2499, 0).value(), 4);    // and expired, not yet over
}

TEST_P(StoreConformance, PingAnswersOnAnEmptyAndAFullStore) {
  EXPECT_TRUE(db().ping().has_value());
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  EXPECT_TRUE(db().ping().has_value());
}

TEST_P(StoreConformance, SameSecondSessionsListNewestFirst) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  std::int64_t seq = 1700000000000000;
  for (const char* id : {"zz", "aa", "mm"}) {
    auto s = session(id, "u1", 1000, 9000);
    s.created_seq = ++seq;
    ASSERT_TRUE(db().create_session(s));
  }
  auto live = db().list_live_sessions("u1", 2000, 0).value();
  EXPECT_EQ(ids(live), (std::vector<std::string>{"mm", "aa", "zz"}));
}

TEST_P(StoreConformance, TouchNeverMovesLastUseBackwards) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_session(session("s1", "u1", 1000, 9000)));
  ASSERT_TRUE(db().create_session(session("s2", "u1", 1000, 9000)));
  ASSERT_TRUE(db().touch_sessions(std::vector<Usage>{{"s1", 4000}, {"missing", 4000}, {"s2", 1500}}).has_value());
  EXPECT_EQ(db().find_session("s1")->last_used_at, 4000);
  EXPECT_EQ(db().find_session("s2")->last_used_at, 1500);
  ASSERT_TRUE(db().touch_sessions(std::vector<Usage>{{"s1", 3000}, {"s2", 2000}}).has_value());
  EXPECT_EQ(db().find_session("s1")->last_used_at, 4000);
  EXPECT_EQ(db().find_session("s2")->last_used_at, 2000);
  EXPECT_TRUE(db().touch_sessions({}).has_value());
}

// Two instances flushing usage batches that share sessions, in opposite
// orders (each instance's order is its hash map's): every batch is written.
// A failed batch stops its thread, so a deadlock (PostgreSQL detects one
// after deadlock_timeout, 1 s by default) costs about a second, not more.
TEST_P(StoreConformance, ConcurrentTouchBatchesThroughTwoInstancesAllSucceed) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  std::vector<std::string> sids;
  for (int i = 0; i < 40; ++i) {
    sids.push_back(std::string("s").append(std::to_string(i)));
    ASSERT_TRUE(db().create_session(session(sids.back(), "u1", 1000, 9000)));
  }
  auto second = open_again();
  constexpr int kRounds = 5;
  std::atomic<int> written{0};
  std::mutex m;
  std::vector<std::string> errors;
  run_threads(2, 30s, [&](int t) {
    Store& s = t ? db() : *second;
    for (int round = 0; round < kRounds; ++round) {
      std::vector<Usage> batch;
      for (const auto& id : sids) batch.push_back(Usage{id, 2000 + round * 10 + t});
      if (t) std::reverse(batch.begin(), batch.end());
      if (auto r = s.touch_sessions(batch); !r) {
        std::lock_guard lock(m);
        errors.push_back("instance " + std::to_string(t) + " round " + std::to_string(round) + ": " +
                         std::string(describe(r.error())));
        return;
      }
      ++written;
    }
  });
  EXPECT_TRUE(errors.empty()) << "usage batches failed (their last-use times are lost): "
                              << ::testing::PrintToString(errors);
  if (!errors.empty()) return;
  EXPECT_EQ(written.load(), 2 * kRounds);
  for (const auto& id : sids) {
    ASSERT_EQ(db().find_session(id)->last_used_at, 2000 + (kRounds - 1) * 10 + 1) << id;
  }
}

TEST_P(StoreConformance, RotationIsACompareAndSet) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_session(session("s1", "u1", 1000, 9000, "h0")));
  EXPECT_TRUE(db().rotate_refresh(Rotation{"s1", 0, "h0", "h1", 1100}).value());
  EXPECT_FALSE(db().rotate_refresh(Rotation{"s1", 0, "h0", "h1b", 1101}).value());  // lost the race
  EXPECT_FALSE(db().rotate_refresh(Rotation{"s1", 1, "wrong", "h2", 1102}).value());  // not its token
  EXPECT_FALSE(db().rotate_refresh(Rotation{"nope", 0, "h0", "h1", 1100}).value());
  auto s = db().find_session("s1").value();
  EXPECT_EQ(s.generation, 1);
  EXPECT_EQ(s.refresh_hash, "h1");
  EXPECT_EQ(s.prev_refresh_hash, "h0");
  EXPECT_EQ(s.rotated_at, 1100);
  EXPECT_EQ(s.last_used_at, 1100);
  ASSERT_TRUE(db().revoke_session("s1", "u1", 1200, EndReason::logout));
  EXPECT_FALSE(db().rotate_refresh(Rotation{"s1", 1, "h1", "h2", 1300}).value());  // ended
  EXPECT_EQ(db().find_session("s1")->generation, 1);
}

TEST_P(StoreConformance, ConcurrentRotationsOfOneGenerationLeaveOneWinner) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_session(session("s1", "u1", 1000, 9000, "h0")));
  std::atomic<int> won{0}, lost{0}, failed{0};
  std::mutex m;
  std::string winner;
  run_threads(50, 20s, [&](int i) {
    const std::string next = std::to_string(1000 + i);
    auto r = db().rotate_refresh(Rotation{"s1", 0, "h0", next, 1100});
    if (!r) ++failed;
    else if (!*r) ++lost;
    else {
      ++won;
      std::lock_guard lock(m);
      winner = next;
    }
  });
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 49);
  EXPECT_EQ(failed.load(), 0);
  auto s = db().find_session("s1").value();
  EXPECT_EQ(s.generation, 1);
  EXPECT_EQ(s.refresh_hash, winner);
  EXPECT_EQ(s.prev_refresh_hash, "h0");
}

TEST_P(StoreConformance, ConcurrentRotationsThroughTwoInstancesLeaveOneWinner) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_session(session("s1", "u1", 1000, 9000, "h0")));
  auto second = open_again();
  std::atomic<int> won{0}, failed{0};
  run_threads(50, 20s, [&](int i) {
    Store& s = i % 2 ? db() : *second;
    auto r = s.rotate_refresh(Rotation{"s1", 0, "h0", std::to_string(1000 + i), 1100});
    if (!r) ++failed;
    else if (*r) ++won;
  });
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(db().find_session("s1")->generation, 1);
}

TEST_P(StoreConformance, RevokeAllButOne) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_user(user("u2", "bob")));
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(db().create_session(session(id, "u1", 1000, 9000)));
  ASSERT_TRUE(db().create_session(session("bob1", "u2", 1000, 9000)));
  auto ended = db().revoke_user_sessions("u1", std::string_view("b"), 2000, EndReason::logout_others).value();
  EXPECT_EQ(sorted(ended), (std::vector<std::string>{"a", "c"}));
  EXPECT_FALSE(db().find_session("b")->revoked_at.has_value());
  EXPECT_FALSE(db().find_session("bob1")->revoked_at.has_value());
  EXPECT_EQ(db().revoke_user_sessions("u1", std::nullopt, 2001, EndReason::logout_all).value(),
            (std::vector<std::string>{"b"}));
  EXPECT_TRUE(db().list_live_sessions("u1", 2002, 0)->empty());
}

TEST_P(StoreConformance, RevokeUserSessionsReturnsExactlyTheSessionsItEnded) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_user(user("u2", "bob")));
  for (const char* id : {"live1", "live2", "keep", "gone", "expired"})
    ASSERT_TRUE(db().create_session(session(id, "u1", 1000, std::string_view(id) == "expired" ? 1500 : 9000)));
  ASSERT_TRUE(db().create_session(session("bobs", "u2", 1000, 9000)));
  ASSERT_TRUE(db().revoke_session("gone", "u1", 1200, EndReason::logout));

  auto ended = db().revoke_user_sessions("u1", std::string_view("keep"), 2000, EndReason::password_change);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(sorted(*ended), (std::vector<std::string>{"live1", "live2"}));
  for (const char* id : {"live1", "live2"}) {
    auto s = db().find_session(id).value();
    EXPECT_EQ(s.revoked_at, 2000) << id;
    EXPECT_EQ(s.end_reason, "password_change") << id;
  }
  // Earlier ends keep their own time and reason; the rest are untouched.
  EXPECT_EQ(db().find_session("gone")->revoked_at, 1200);
  EXPECT_EQ(db().find_session("gone")->end_reason, "logout");
  EXPECT_FALSE(db().find_session("expired")->revoked_at.has_value());
  EXPECT_FALSE(db().find_session("keep")->revoked_at.has_value());
  EXPECT_FALSE(db().find_session("bobs")->revoked_at.has_value());

  // Nothing left to end: empty, not an error.
  EXPECT_EQ(db().revoke_user_sessions("u1", std::string_view("keep"), 2100, EndReason::logout_others).value(),
            std::vector<std::string>{});
  EXPECT_EQ(db().revoke_user_sessions("nobody", std::nullopt, 2100, EndReason::logout_all).value(),
            std::vector<std::string>{});
  // `keep` naming another user's session keeps nothing of this one's.
  EXPECT_EQ(db().revoke_user_sessions("u1", std::string_view("bobs"), 2200, EndReason::session_limit).value(),
            std::vector<std::string>{"keep"});
  EXPECT_EQ(db().find_session("keep")->end_reason, "session_limit");
}

TEST_P(StoreConformance, ListRevokedSinceReturnsEveryEndFromThatSecond) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_user(user("u2", "bob")));
  for (const char* id : {"a", "b", "c", "d", "live"}) ASSERT_TRUE(db().create_session(session(id, "u1", 1000, 9000)));
  ASSERT_TRUE(db().create_session(session("bobs", "u2", 1000, 9000)));
  ASSERT_TRUE(db().revoke_session("a", "u1", 2000, EndReason::logout));
  ASSERT_TRUE(db().revoke_session("b", "u1", 3000, EndReason::revoked));
  ASSERT_TRUE(db().revoke_session("bobs", "u2", 3000, EndReason::reuse_detected));
  ASSERT_TRUE(db().revoke_user_sessions("u1", std::string_view("live"), 4000, EndReason::logout_others));

  auto as_text = [](const std::vector<RevokedSession>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.id + "@" + std::to_string(r.revoked_at));
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(as_text(db().list_revoked_since(0).value()),
            (std::vector<std::string>{"a@2000", "b@3000", "bobs@3000", "c@4000", "d@4000"}));
  EXPECT_EQ(as_text(db().list_revoked_since(3000).value()),  // inclusive
            (std::vector<std::string>{"b@3000", "bobs@3000", "c@4000", "d@4000"}));
  EXPECT_EQ(as_text(db().list_revoked_since(3001).value()), (std::vector<std::string>{"c@4000", "d@4000"}));
  EXPECT_TRUE(db().list_revoked_since(4001)->empty());
}

// --- secrets and keys --------------------------------------------------------

TEST_P(StoreConformance, SecretsAreCreatedOnce) {
  EXPECT_EQ(db().ensure_secret("x", "first", 1).value(), "first");
  EXPECT_EQ(db().ensure_secret("x", "second", 2).value(), "first");
  EXPECT_EQ(db().ensure_secret("y", "other", 3).value(), "other");
  auto secrets = db().export_all()->secrets;
  EXPECT_EQ(shown(secrets), (std::vector<std::string>{show(Secret{"x", "first", 1}), show(Secret{"y", "other", 3})}));
}

TEST_P(StoreConformance, ConcurrentInstancesAgreeOnOneSecret) {
  auto second = open_again();
  std::mutex m;
  std::vector<std::string> kept;
  std::atomic<int> failed{0};
  run_threads(8, 20s, [&](int i) {
    Store& s = i % 2 ? db() : *second;
    auto r = s.ensure_secret("refresh", "value-" + std::to_string(i), 10 + i);
    if (!r) {
      ++failed;
      return;
    }
    std::lock_guard lock(m);
    kept.push_back(*r);
  });
  EXPECT_EQ(failed.load(), 0);
  ASSERT_EQ(kept.size(), 8u);
  for (const auto& v : kept) EXPECT_EQ(v, kept.front());
}

TEST_P(StoreConformance, AddKeyRefusesATakenKid) {
  ASSERT_TRUE(db().add_key(StoredKey{"k1", "HS256", "c2VjcmV0", 10, 10, std::nullopt}));
  EXPECT_EQ(db().add_key(StoredKey{"k1", "ES256", "other", 11, 11, std::nullopt}).error(), StoreError::conflict);
  auto keys = db().list_keys().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(show(keys[0]), show(StoredKey{"k1", "HS256", "c2VjcmV0", 10, 10, std::nullopt}));
}

TEST_P(StoreConformance, ListKeysNewestNotBeforeFirst) {
  ASSERT_TRUE(db().add_key(key("mid", 200)));
  ASSERT_TRUE(db().add_key(key("oldest", 100, 250)));
  ASSERT_TRUE(db().add_key(key("newest", 300)));
  // Same not_before: the later created first, then by kid.
  ASSERT_TRUE(db().add_key(key("tie-early", 150, std::nullopt, 140)));
  ASSERT_TRUE(db().add_key(key("tie-late", 150, std::nullopt, 145)));
  ASSERT_TRUE(db().add_key(key("tie-b", 120, std::nullopt, 120)));
  ASSERT_TRUE(db().add_key(key("tie-a", 120, std::nullopt, 120)));
  EXPECT_EQ(kids(db().list_keys().value()),
            (std::vector<std::string>{"newest", "mid", "tie-late", "tie-early", "tie-a", "tie-b", "oldest"}));
}

TEST_P(StoreConformance, RotateKeyRetiresEveryCurrentKeyAndAddsTheNewOne) {
  ASSERT_TRUE(db().add_key(key("k1", 10)));
  ASSERT_TRUE(db().add_key(key("k2", 20, 25)));  // retired already: keeps its time
  ASSERT_TRUE(db().add_key(key("k3", 30)));
  ASSERT_TRUE(db().rotate_key(StoredKey{"k4", "EdDSA", "bmV3", 90, 100, std::nullopt}));
  auto keys = db().list_keys().value();
  ASSERT_EQ(kids(keys), (std::vector<std::string>{"k4", "k3", "k2", "k1"}));
  EXPECT_EQ(show(keys[0]), show(StoredKey{"k4", "EdDSA", "bmV3", 90, 100, std::nullopt}));
  EXPECT_EQ(keys[1].retired_at, 100);
  EXPECT_EQ(keys[2].retired_at, 25);
  EXPECT_EQ(keys[3].retired_at, 100);

  // One step: a taken kid changes nothing, not even the retirements.
  EXPECT_EQ(db().rotate_key(StoredKey{"k3", "ES256", "dGFrZW4", 190, 200, std::nullopt}).error(),
            StoreError::conflict);
  auto after = db().list_keys().value();
  EXPECT_EQ(shown(after), shown(keys));
  EXPECT_FALSE(after[0].retired_at.has_value());

  // And the next rotation retires the one that was current.
  ASSERT_TRUE(db().rotate_key(key("k5", 300)));
  keys = db().list_keys().value();
  ASSERT_EQ(kids(keys), (std::vector<std::string>{"k5", "k4", "k3", "k2", "k1"}));
  EXPECT_FALSE(keys[0].retired_at.has_value());
  EXPECT_EQ(keys[1].retired_at, 300);
  EXPECT_EQ(keys[2].retired_at, 100);
}

// Instances starting together each rotate in a key (load_signing_keys on a
// new database, or after JWT_ALG changed): each rotation being one step, the
// keys left not retired are exactly one. Ten rounds of eight, so that a race
// shows on every run rather than now and then.
TEST_P(StoreConformance, ConcurrentKeyRotationsLeaveOneCurrentKey) {
  ASSERT_TRUE(db().add_key(key("k0", 10)));
  auto second = open_again();
  constexpr int kRounds = 10, kThreads = 8;
  std::vector<std::string> bad_rounds;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> failed{0};
    run_threads(kThreads, 20s, [&](int i) {
      Store& s = i % 2 ? db() : *second;
      if (!s.rotate_key(key("r" + std::to_string(round) + "-" + std::to_string(i), 100 + round))) ++failed;
    });
    ASSERT_EQ(failed.load(), 0) << "round " << round;
    std::vector<std::string> current;
    const auto keys = db().list_keys().value();
    for (const auto& k : keys)
      if (!k.retired_at) current.push_back(k.kid);
    if (current.size() != 1) bad_rounds.push_back("round " + std::to_string(round) + ": " + ::testing::PrintToString(current));
  }
  EXPECT_EQ(db().list_keys()->size(), 1u + kRounds * kThreads);
  EXPECT_TRUE(bad_rounds.empty()) << bad_rounds.size() << " of " << kRounds
                                  << " rounds left several keys not retired:\n"
                                  << ::testing::PrintToString(bad_rounds);
}

TEST_P(StoreConformance, RotateKeyOnAnEmptyStoreJustAdds) {
  ASSERT_TRUE(db().rotate_key(key("first", 50)));
  auto keys = db().list_keys().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_FALSE(keys[0].retired_at.has_value());
}

// --- persistence, export and import --------------------------------------------

TEST_P(StoreConformance, DataSurvivesReopening) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_session(session("s1", "u1", 1000, 9000)));
  ASSERT_TRUE(db().add_key(StoredKey{"k1", "HS256", "c2VjcmV0", 10, 10, std::nullopt}));
  ASSERT_EQ(db().ensure_secret("x", "first", 1).value(), "first");
  store_.reset();

  store_ = open_again();  // postgres: a new instance on the same, not reset, schema
  EXPECT_TRUE(db().find_user_by_name("alice").has_value());
  EXPECT_EQ(db().find_session("s1")->user_id, "u1");
  auto keys = db().list_keys().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, "k1");
  EXPECT_EQ(db().add_key(StoredKey{"k1", "HS256", "x", 11, 11, std::nullopt}).error(), StoreError::conflict);
  EXPECT_EQ(db().ensure_secret("x", "second", 2).value(), "first");
  EXPECT_EQ(db().create_user(user("u2", "alice")).error(), StoreError::conflict);
}

TEST_P(StoreConformance, ExportImportRoundTripOnTheSameBackend) {
  ASSERT_NO_FATAL_FAILURE(fill(db()));
  const Snapshot snap = db().export_all().value();
  expect_filled(snap);
  store_.reset();

  auto target = open_empty(backend());
  ASSERT_TRUE(target->import_all(snap).has_value());
  const Snapshot back = target->export_all().value();
  expect_same_content(snap, back, name_of(backend()) + " -> " + name_of(backend()));
  // The imported store works as the original did.
  EXPECT_EQ(target->find_user_by_name("bj\xc3\xb6rk")->id, "u2");
  EXPECT_TRUE(target->rotate_refresh(Rotation{"rotated", 2, "h2", "h3", 1500}).value());
  EXPECT_EQ(ids(target->list_live_sessions("u1", 2000, 0).value()), (std::vector<std::string>{"rotated", "live"}));
}

TEST_P(StoreConformance, ExportImportRoundTripAcrossBackends) {
  NEED_POSTGRES();  // the other backend, when this one is SQLite
  ASSERT_NO_FATAL_FAILURE(fill(db()));
  const Snapshot snap = db().export_all().value();
  expect_filled(snap);
  store_.reset();

  const std::string there = name_of(backend()) + " -> " + name_of(other_backend());
  auto other = open_empty(other_backend());
  ASSERT_TRUE(other->import_all(snap).has_value()) << there;
  const Snapshot moved = other->export_all().value();
  expect_same_content(snap, moved, there);

  const std::string back_again = there + " -> " + name_of(backend());
  auto back = open_empty(backend());
  ASSERT_TRUE(back->import_all(moved).has_value()) << back_again;
  expect_same_content(snap, back->export_all().value(), back_again);
}

TEST_P(StoreConformance, ImportIntoAStoreWithDataIsAConflict) {
  ASSERT_TRUE(db().create_user(user("z1", "zed")));
  auto source = open_empty(Backend::sqlite);
  ASSERT_NO_FATAL_FAILURE(fill(*source));
  const Snapshot snap = source->export_all().value();

  EXPECT_EQ(db().import_all(snap).error(), StoreError::conflict);
  const Snapshot after = db().export_all().value();
  EXPECT_EQ(shown(after.users), (std::vector<std::string>{show(user("z1", "zed"))}));
  EXPECT_TRUE(after.sessions.empty());
  EXPECT_TRUE(after.keys.empty());
  EXPECT_TRUE(after.secrets.empty());
}

TEST_P(StoreConformance, FailedImportLeavesNothingBehind) {
  Snapshot bad;
  bad.users = {user("u1", "alice"), user("u2", "alice")};  // the second is refused
  bad.keys = {key("k1", 10)};
  bad.secrets = {Secret{"x", "v", 1}};
  EXPECT_EQ(db().import_all(bad).error(), StoreError::conflict);
  const Snapshot after = db().export_all().value();
  EXPECT_TRUE(after.users.empty());
  EXPECT_TRUE(after.keys.empty());
  EXPECT_TRUE(after.secrets.empty());

  Snapshot good;
  good.users = {user("u1", "alice")};
  good.keys = {key("k1", 10)};
  EXPECT_TRUE(db().import_all(good).has_value());
}

// --- administration and the audit trail ---------------------------------------

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

TEST_P(StoreConformance, ListUsersPagesInKeyOrderWithLiveSessionCounts) {
  for (const char* n : {"carol", "alice", "bob"}) ASSERT_TRUE(db().create_user(user(std::string("id-") + n, n)));
  ASSERT_TRUE(db().create_session(session("a1", "id-alice", 100, 9000)));
  ASSERT_TRUE(db().create_session(session("a2", "id-alice", 100, 9000)));
  ASSERT_TRUE(db().create_session(session("a3", "id-alice", 100, 150)));  // expired at 200
  ASSERT_TRUE(db().create_session(session("b1", "id-bob", 100, 9000)));
  ASSERT_TRUE(db().revoke_session("b1", "id-bob", 110, EndReason::logout));
  auto first = db().list_users({"", 2, 200, 0}).value();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].user.username, "alice");
  EXPECT_EQ(first[0].live_sessions, 2);
  EXPECT_EQ(first[1].user.username, "bob");
  EXPECT_EQ(first[1].live_sessions, 0);
  auto rest = db().list_users({"bob", 2, 200, 0}).value();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].user.username, "carol");
  EXPECT_FALSE(rest[0].user.disabled_at.has_value());
  // Idle sessions are not live.
  EXPECT_EQ(db().list_users({"", 1, 200, 101}).value()[0].live_sessions, 0);
}

TEST_P(StoreConformance, DisablingEndsEverySessionAndBlocksNewOnes) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_user(user("u2", "bob")));
  ASSERT_TRUE(db().create_session(session("s1", "u1", 100, 9000)));
  ASSERT_TRUE(db().create_session(session("s2", "u1", 100, 9000)));
  ASSERT_TRUE(db().create_session(session("other", "u2", 100, 9000)));
  ASSERT_TRUE(db().revoke_session("s2", "u1", 150, EndReason::logout));
  EXPECT_EQ(db().disable_user("u1", 200).value(), std::vector<std::string>{"s1"});
  EXPECT_EQ(db().find_user_by_id("u1")->disabled_at, 200);
  EXPECT_EQ(db().find_session("s1")->end_reason, "user_disabled");
  EXPECT_EQ(db().find_session("s2")->revoked_at, 150);  // ended before: untouched
  EXPECT_FALSE(db().find_session("other")->revoked_at.has_value());
  // A login after the disable cannot create a session.
  EXPECT_EQ(db().create_session(session("s3", "u1", 210, 9000)).error(), StoreError::not_found);
  // Disabling again keeps the first time and ends nothing more.
  EXPECT_TRUE(db().disable_user("u1", 300).value().empty());
  EXPECT_EQ(db().find_user_by_name("alice")->disabled_at, 200);
  EXPECT_EQ(db().disable_user("nobody", 300).error(), StoreError::not_found);

  ASSERT_TRUE(db().enable_user("u1"));
  EXPECT_FALSE(db().find_user_by_id("u1")->disabled_at.has_value());
  EXPECT_TRUE(db().create_session(session("s3", "u1", 310, 9000)));
  EXPECT_EQ(db().enable_user("nobody").error(), StoreError::not_found);
  // The revocations are visible to every instance.
  auto revoked = db().list_revoked_since(200).value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].id, "s1");
}

TEST_P(StoreConformance, SessionsOfAnUnknownUserAreRefused) {
  EXPECT_EQ(db().create_session(session("s1", "ghost", 100, 9000)).error(), StoreError::not_found);
}

TEST_P(StoreConformance, DeletingAUserKeepsItsRecentRevocationsAndFreesTheName) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().create_session(session("live", "u1", 100, 9000)));
  ASSERT_TRUE(db().create_session(session("recent", "u1", 100, 9000)));
  ASSERT_TRUE(db().create_session(session("old", "u1", 100, 9000)));
  ASSERT_TRUE(db().revoke_session("old", "u1", 120, EndReason::logout));
  ASSERT_TRUE(db().revoke_session("recent", "u1", 900, EndReason::logout));
  EXPECT_EQ(db().delete_user("u1", 1000, 500).value(), std::vector<std::string>{"live"});
  EXPECT_EQ(db().find_user_by_id("u1").error(), StoreError::not_found);
  EXPECT_EQ(db().find_session("live").error(), StoreError::not_found);
  std::map<std::string, UnixSeconds> revoked;
  const auto rows = db().list_revoked_since(0).value();
  for (const auto& r : rows) revoked[r.id] = r.revoked_at;
  EXPECT_EQ(revoked, (std::map<std::string, UnixSeconds>{{"live", 1000}, {"recent", 900}}));
  EXPECT_EQ(db().delete_user("u1", 1000, 500).error(), StoreError::not_found);
  ASSERT_TRUE(db().create_user(user("u2", "alice")));  // the name is free again
  // Pruning drops kept revocations older than asked, and nothing else.
  EXPECT_EQ(db().prune(0, 950, 100).value(), 0u);
  EXPECT_EQ(db().list_revoked_since(0).value().size(), 1u);
}

TEST_P(StoreConformance, AuditEventsKeepEveryFieldAndListNewestFirstPerUser) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  std::vector<AuditEvent> batch = {event("e1", 100, 100'000001, "alice", "u1"), event("e2", 100, 100'000002, "alice", "u1"),
                                   event("e3", 101, 101'000000, "bob"), event("e4", 102, 102'000000, "alice")};
  batch[2].user_id.clear();  // an unknown name
  ASSERT_TRUE(db().append_audit(batch));
  ASSERT_TRUE(db().append_audit({}));
  auto alice = db().list_audit({std::string("alice"), 10, std::nullopt}).value();
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
  EXPECT_EQ(event_ids(db().list_audit({std::nullopt, 10, std::nullopt}).value()),
            (std::vector<std::string>{"e4", "e3", "e2", "e1"}));
  // Pages: at most `limit`, then strictly before the last one shown.
  auto page = db().list_audit({std::nullopt, 2, std::nullopt}).value();
  EXPECT_EQ(event_ids(page), (std::vector<std::string>{"e4", "e3"}));
  auto next = db().list_audit({std::nullopt, 2, std::pair{page.back().at, page.back().seq}}).value();
  EXPECT_EQ(event_ids(next), (std::vector<std::string>{"e2", "e1"}));
  EXPECT_EQ(db().list_audit({std::string("bob"), 10, std::nullopt}).value()[0].user_id, "");
  // A taken id refuses the whole batch.
  EXPECT_EQ(db().append_audit({event("e5", 103, 1, "alice"), event("e1", 103, 2, "alice")}).error(),
            StoreError::conflict);
  EXPECT_EQ(db().list_audit({std::nullopt, 10, std::nullopt}).value().size(), 4u);
}

TEST_P(StoreConformance, AuditEventsOutliveTheirUser) {
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  ASSERT_TRUE(db().append_audit({event("e1", 100, 1, "alice", "u1")}));
  ASSERT_TRUE(db().delete_user("u1", 200, 0));
  auto kept = db().list_audit({std::string("alice"), 10, std::nullopt}).value();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].user_id, "u1");
}

TEST_P(StoreConformance, PruneRemovesOnlyOlderAuditEvents) {
  std::vector<AuditEvent> batch;
  for (int i = 0; i < 12000; ++i) batch.push_back(event("old" + std::to_string(i), 100 + i % 7, i, "alice"));
  batch.push_back(event("new", 5000, 1, "alice"));
  ASSERT_TRUE(db().append_audit(batch));
  // At most the number asked for per call.
  EXPECT_EQ(db().prune(1000, 0, 5000).value(), 5000u);
  EXPECT_EQ(db().prune(1000, 0, 5000).value(), 5000u);
  EXPECT_EQ(db().prune(1000, 0, 5000).value(), 2000u);
  EXPECT_EQ(event_ids(db().list_audit({std::nullopt, 10, std::nullopt}).value()), std::vector<std::string>{"new"});
  EXPECT_EQ(db().prune(1000, 0, 5000).value(), 0u);
}

// --- revocations made elsewhere ---------------------------------------------------

// A revocation through a second instance reaches the first one's watcher:
// PostgreSQL by NOTIFY within 1 s, SQLite by its once-a-second poll within 2.5 s.
TEST_P(StoreConformance, RevocationsThroughAnotherInstanceReachTheWatcher) {
  const auto limit = backend() == Backend::postgres ? 1000ms : 2500ms;
  auto second = open_again();
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  const UnixSeconds now = now_unix();
  Heard heard;
  StopWatching stop(db());
  db().watch_revocations([&](const RevokedSession& r) { heard.revoked(r); }, [&] { heard.resync(); });

  // The watcher starts in the background: wait until it hears a probe.
  bool live = false;
  for (int i = 0; i < 50 && !live; ++i) {
    const std::string id = "probe" + std::to_string(i);
    ASSERT_TRUE(second->create_session(session(id, "u1", now, now + 3600)));
    ASSERT_TRUE(second->revoke_session(id, "u1", now_unix(), EndReason::revoked));
    live = heard.wait_any(100ms);
  }
  ASSERT_TRUE(live) << "the watcher reported no revocation within 5 s";

  for (const char* id : {"s1", "s2", "s3", "keep"})
    ASSERT_TRUE(second->create_session(session(id, "u1", now, now + 3600)));
  UnixSeconds at = now_unix();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(second->revoke_session("s1", "u1", at, EndReason::logout));
  auto got = heard.wait_for("s1", limit);
  ASSERT_TRUE(got.has_value()) << name_of(backend()) << ": s1 not reported within " << limit.count() << " ms";
  EXPECT_EQ(*got, at);
  std::printf("[          ] %s: revocation heard after %lld ms\n", name_of(backend()).c_str(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count()));

  // Every session a bulk revocation ends is reported.
  at = now_unix();
  ASSERT_EQ(second->revoke_user_sessions("u1", std::string_view("keep"), at, EndReason::logout_others)->size(), 2u);
  for (const char* id : {"s2", "s3"}) {
    auto r = heard.wait_for(id, limit);
    ASSERT_TRUE(r.has_value()) << name_of(backend()) << ": " << id << " not reported within " << limit.count()
                               << " ms";
    EXPECT_EQ(*r, at);
  }

  start = std::chrono::steady_clock::now();
  db().stop_watching();
  db().stop_watching();  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// The service loads revocations, then starts watching: one made right after
// watch_revocations() returns must be reported, or a resync asked for.
TEST_P(StoreConformance, RevocationRightAfterWatchingStartsIsNotMissed) {
  auto second = open_again();
  ASSERT_TRUE(db().create_user(user("u1", "alice")));
  const UnixSeconds now = now_unix();
  ASSERT_TRUE(second->create_session(session("s1", "u1", now, now + 3600)));
  ASSERT_TRUE(second->find_session("s1").has_value());  // its connection is open
  Heard heard;
  StopWatching stop(db());
  db().watch_revocations([&](const RevokedSession& r) { heard.revoked(r); }, [&] { heard.resync(); });
  ASSERT_TRUE(second->revoke_session("s1", "u1", now_unix(), EndReason::logout));
  EXPECT_TRUE(heard.wait_for_or_resync("s1", 2500ms))
      << name_of(backend()) << ": a revocation made just after watch_revocations() returned was "
      << "neither reported (on_revoked) nor announced as possibly missed (on_resync) within 2.5 s";
  db().stop_watching();
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const ::testing::TestParamInfo<Backend>& param) { return name_of(param.param); });

// --- backend-specific ----------------------------------------------------------

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
