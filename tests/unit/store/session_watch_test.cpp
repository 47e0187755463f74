// SessionStore: revocations made by other instances, as the watcher reports them.
// Every test runs on SQLite and on PostgreSQL (store_fixture.hpp).
#include "store_fixture.hpp"

#include <map>

namespace latchkey::store_test {
namespace {

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
  ~StopWatching() { s_.sessions().stop_watching(); }
  StopWatching(const StopWatching&) = delete;
  StopWatching& operator=(const StopWatching&) = delete;

 private:
  Store& s_;
};

class SessionWatchTest : public StoreTest {};

}  // namespace

// A revocation through a second instance reaches the first one's watcher:
// PostgreSQL by NOTIFY within 1 s, SQLite by its once-a-second poll within 2.5 s.
TEST_P(SessionWatchTest, RevocationsThroughAnotherInstanceReachTheWatcher) {
  const auto limit = backend() == Backend::postgres ? 1000ms : 2500ms;
  auto second = open_again();
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  const UnixSeconds now = now_unix();
  Heard heard;
  StopWatching stop(db());
  db().sessions().watch_revocations([&](const RevokedSession& r) { heard.revoked(r); }, [&] { heard.resync(); });

  // The watcher starts in the background: wait until it hears a probe.
  bool live = false;
  for (int i = 0; i < 50 && !live; ++i) {
    const std::string id = "probe" + std::to_string(i);
    ASSERT_TRUE(second->sessions().create(session(id, "u1", now, now + 3600)));
    ASSERT_TRUE(second->sessions().revoke(id, "u1", now_unix(), EndReason::revoked));
    live = heard.wait_any(100ms);
  }
  ASSERT_TRUE(live) << "the watcher reported no revocation within 5 s";

  for (const char* id : {"s1", "s2", "s3", "keep"})
    ASSERT_TRUE(second->sessions().create(session(id, "u1", now, now + 3600)));
  UnixSeconds at = now_unix();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(second->sessions().revoke("s1", "u1", at, EndReason::logout));
  auto got = heard.wait_for("s1", limit);
  ASSERT_TRUE(got.has_value()) << name_of(backend()) << ": s1 not reported within " << limit.count() << " ms";
  EXPECT_EQ(*got, at);
  std::printf("[          ] %s: revocation heard after %lld ms\n", name_of(backend()).c_str(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count()));

  // Every session a bulk revocation ends is reported.
  at = now_unix();
  ASSERT_EQ(second->sessions().revoke_all_of("u1", std::string_view("keep"), at, EndReason::logout_others)->size(), 2u);
  for (const char* id : {"s2", "s3"}) {
    auto r = heard.wait_for(id, limit);
    ASSERT_TRUE(r.has_value()) << name_of(backend()) << ": " << id << " not reported within " << limit.count()
                               << " ms";
    EXPECT_EQ(*r, at);
  }

  start = std::chrono::steady_clock::now();
  db().sessions().stop_watching();
  db().sessions().stop_watching();  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// The children a browser session's end ends (the trigger, not the statement)
// are announced too: every instance refuses their access tokens at once.
TEST_P(SessionWatchTest, ChildrenEndedWithTheirBrowserSessionReachTheWatcher) {
  const auto limit = backend() == Backend::postgres ? 1000ms : 2500ms;
  auto second = open_again();
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  const UnixSeconds now = now_unix();
  Heard heard;
  StopWatching stop(db());
  db().sessions().watch_revocations([&](const RevokedSession& r) { heard.revoked(r); }, [&] { heard.resync(); });
  bool live = false;
  for (int i = 0; i < 50 && !live; ++i) {
    const std::string id = std::string("probe").append(std::to_string(i));
    ASSERT_TRUE(second->sessions().create(session(id, "u1", now, now + 3600)));
    ASSERT_TRUE(second->sessions().revoke(id, "u1", now_unix(), EndReason::revoked));
    live = heard.wait_any(100ms);
  }
  ASSERT_TRUE(live) << "the watcher reported no revocation within 5 s";

  ASSERT_TRUE(second->sessions().create(browser_session("b1", "u1", now, now + 3600, "c1")));
  ASSERT_TRUE(second->sessions().create(oauth_session("o1", "u1", now, now + 3600, "app", "b1")));
  ASSERT_TRUE(second->sessions().create(oauth_session("o2", "u1", now, now + 3600, "app", "b1")));
  const UnixSeconds at = now_unix();
  ASSERT_TRUE(second->sessions().revoke("b1", "u1", at, EndReason::logout));
  for (const char* id : {"b1", "o1", "o2"}) {
    auto r = heard.wait_for(id, limit);
    ASSERT_TRUE(r.has_value()) << name_of(backend()) << ": " << id << " not reported within " << limit.count()
                               << " ms";
    EXPECT_EQ(*r, at);
  }
  db().sessions().stop_watching();
}

// The service loads revocations, then starts watching: one made right after
// watch_revocations() returns must be reported, or a resync asked for.
TEST_P(SessionWatchTest, RevocationRightAfterWatchingStartsIsNotMissed) {
  auto second = open_again();
  ASSERT_TRUE(db().users().create(user("u1", "alice")));
  const UnixSeconds now = now_unix();
  ASSERT_TRUE(second->sessions().create(session("s1", "u1", now, now + 3600)));
  ASSERT_TRUE(second->sessions().find("s1").has_value());  // its connection is open
  Heard heard;
  StopWatching stop(db());
  db().sessions().watch_revocations([&](const RevokedSession& r) { heard.revoked(r); }, [&] { heard.resync(); });
  ASSERT_TRUE(second->sessions().revoke("s1", "u1", now_unix(), EndReason::logout));
  EXPECT_TRUE(heard.wait_for_or_resync("s1", 2500ms))
      << name_of(backend()) << ": a revocation made just after watch_revocations() returned was "
      << "neither reported (on_revoked) nor announced as possibly missed (on_resync) within 2.5 s";
  db().sessions().stop_watching();
}

INSTANTIATE_FOR_EVERY_BACKEND(SessionWatchTest);

}  // namespace latchkey::store_test
