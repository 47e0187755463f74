#pragma once
// What the store suites share: each test is written once against `Store&`
// and runs on SQLite and on PostgreSQL (StoreTest, INSTANTIATE_FOR_EVERY_BACKEND).
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
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <latch>
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

namespace latchkey::store_test {

using namespace latchkey::store;
using namespace std::chrono_literals;

enum class Backend { sqlite, postgres };

inline std::string name_of(Backend b) { return b == Backend::sqlite ? "sqlite" : "postgres"; }
inline void PrintTo(Backend b, std::ostream* os) { *os << name_of(b); }

inline constexpr std::size_t kPoolSize = 8;
inline constexpr std::int64_t kTestLock = 0x6c6b2d7465737473;  // "lk-tests": one postgres test at a time

inline const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

inline std::optional<std::string> pg_url() {
  if (const char* v = env("LATCHKEY_TEST_PG_URL")) return std::string(v);
  return std::nullopt;
}

inline bool pg_required() {
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

// --- records -------------------------------------------------------------------

inline User user(std::string id, std::string name) { return User{std::move(id), name, "$hash", 100, name}; }

inline Session session(std::string id, std::string user_id, UnixSeconds created, UnixSeconds expires,
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

inline StoredKey key(std::string kid, UnixSeconds not_before, std::optional<UnixSeconds> retired = std::nullopt,
                     UnixSeconds created = 0) {
  return StoredKey{std::move(kid), "ES256", "bWF0ZXJpYWw", created ? created : not_before, not_before,
                   retired};
}

inline std::vector<std::string> ids(const std::vector<Session>& rows) {
  std::vector<std::string> out;
  for (const auto& s : rows) out.push_back(s.id);
  return out;
}

// Records as text, so a mismatch names the field.
inline std::string opt(std::optional<UnixSeconds> v) { return v ? std::to_string(*v) : "null"; }

inline std::string show(const User& u) {
  return "user{" + u.id + " username=" + u.username + " hash=" + u.password_hash +
         " created_at=" + std::to_string(u.created_at) + " disabled_at=" + opt(u.disabled_at) +
         " email=" + u.email + (u.email_verified ? " verified" : "") + "}";
}

inline std::string show(const Session& s) {
  return "session{" + s.id + " user=" + s.user_id + " created_at=" + std::to_string(s.created_at) +
         " last_used_at=" + std::to_string(s.last_used_at) + " expires_at=" + std::to_string(s.expires_at) +
         " revoked_at=" + opt(s.revoked_at) + " ua=" + s.user_agent + " ip=" + s.ip +
         " refresh_hash=" + s.refresh_hash + " prev_refresh_hash=" + s.prev_refresh_hash +
         " generation=" + std::to_string(s.generation) + " rotated_at=" + opt(s.rotated_at) +
         " created_seq=" + std::to_string(s.created_seq) + " end_reason=" + s.end_reason + " kind=" + s.kind +
         " client_id=" + s.client_id + " parent_id=" + s.parent_id + " cookie_hash=" + s.cookie_hash +
         " auth_time=" + std::to_string(s.auth_time) + " amr=" + s.amr + " scope=" + s.scope + "}";
}

inline std::string show(const Consent& c) {
  return "consent{" + c.user_id + " client=" + c.client_id + " scope=" + c.scope +
         " granted_at=" + std::to_string(c.granted_at) + "}";
}

inline std::string show(const AuthorizationCode& c) {
  return "code{" + c.code_hash + " client=" + c.client_id + " user=" + c.user_id +
         " browser_session=" + c.browser_session_id + " redirect_uri=" + c.redirect_uri + " scope=" + c.scope +
         " nonce=" + c.nonce + " challenge=" + c.code_challenge + " auth_time=" + std::to_string(c.auth_time) +
         " amr=" + c.amr + " created_at=" + std::to_string(c.created_at) + " expires_at=" +
         std::to_string(c.expires_at) + " used_at=" + opt(c.used_at) + " issued=" + c.issued_session_id + "}";
}

inline std::string show(const LogoutDelivery& d) {
  return "delivery{" + std::to_string(d.id) + " client=" + d.client_id + " uri=" + d.logout_uri +
         " user=" + d.user_id + " session=" + d.session_id + " created_at=" + std::to_string(d.created_at) +
         " attempts=" + std::to_string(d.attempts) + " next=" + std::to_string(d.next_attempt_at) +
         " error=" + d.last_error + " delivered_at=" + opt(d.delivered_at) + " gave_up_at=" + opt(d.gave_up_at) +
         "}";
}

// A browser session (the hosted login page's), held by cookie digest `cookie`.
inline Session browser_session(std::string id, std::string user_id, UnixSeconds created, UnixSeconds expires,
                               std::string cookie) {
  Session s = session(std::move(id), std::move(user_id), created, expires);
  s.kind = std::string(kBrowserSession);
  s.cookie_hash = std::move(cookie);
  s.auth_time = created;
  return s;
}

// An oauth session of `client` opened in browser session `parent` ("" for none).
inline Session oauth_session(std::string id, std::string user_id, UnixSeconds created, UnixSeconds expires,
                             std::string client, std::string parent) {
  Session s = session(std::move(id), std::move(user_id), created, expires);
  s.kind = std::string(kOAuthSession);
  s.client_id = std::move(client);
  s.parent_id = std::move(parent);
  s.auth_time = created;
  s.scope = "openid profile";
  return s;
}

inline std::string show(const StoredKey& k) {
  return "key{" + k.kid + " alg=" + k.alg + " material=" + k.material +
         " created_at=" + std::to_string(k.created_at) + " not_before=" + std::to_string(k.not_before) +
         " retired_at=" + opt(k.retired_at) + "}";
}

inline std::string show(const AuditEvent& e) {
  return "audit{" + e.id + " at=" + std::to_string(e.at) + " seq=" + std::to_string(e.seq) + " event=" + e.event +
         " actor=" + e.actor + " user_id=" + e.user_id + " username=" + e.username + " key=" + e.username_key +
         " session=" + e.session_id + " ip=" + e.ip + " ua=" + e.user_agent + " detail=" + e.detail + "}";
}

inline std::string show(const OAuthClient& c) {
  return c.id + "|" + c.secret_digest + "|" + c.registration_digest + "|" + c.metadata + "|" +
         std::to_string(c.created_at) + "|" + std::to_string(c.updated_at);
}
inline std::string show(const Secret& s) {
  return "secret{" + s.name + " value=" + s.value + " created_at=" + std::to_string(s.created_at) + "}";
}

template <class T>
std::vector<std::string> shown(const std::vector<T>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(show(r));
  std::sort(out.begin(), out.end());
  return out;
}

// --- threads -------------------------------------------------------------------

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

// --- the fixture -----------------------------------------------------------------

class StoreTest : public ::testing::TestWithParam<Backend> {
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
    if (store_) store_->sessions().stop_watching();
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

}  // namespace latchkey::store_test

#define NEED_POSTGRES()                             \
  do {                                              \
    claim_postgres();                               \
    if (IsSkipped() || HasFatalFailure()) return;   \
  } while (0)

// Runs every TEST_P of `Suite` (a StoreTest) on each backend: Backends/Suite.Name/sqlite, .../postgres.
#define INSTANTIATE_FOR_EVERY_BACKEND(Suite)                                                                   \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                                   \
                           ::testing::Values(::latchkey::store_test::Backend::sqlite,                         \
                                             ::latchkey::store_test::Backend::postgres),                      \
                           [](const ::testing::TestParamInfo<::latchkey::store_test::Backend>& param) {       \
                             return ::latchkey::store_test::name_of(param.param);                             \
                           })
