#pragma once
// SessionStore on SQLite. Revocations made by other processes on the same
// file (admin commands) are polled for: looked for when another process has
// committed, within 100 ms.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/session_store.hpp"
#include "store/sqlite/sqlite_connections.hpp"

namespace latchkey::store::sqlite {

class SqliteSessions final : public SessionStore {
 public:
  explicit SqliteSessions(Connections& c) : connections_(c) {}
  ~SqliteSessions() override;

  Result<void> create(const Session& session) override;
  Result<Session> find(std::string_view session_id) override;
  Result<WithUser> find_with_user(std::string_view session_id) override;
  Result<WithUser> find_by_cookie(std::string_view cookie_hash) override;
  Result<void> reauthenticate(std::string_view session_id, UnixSeconds auth_time, std::string_view amr) override;
  Result<bool> rotate_refresh(const Rotation& r) override;
  Result<void> touch(std::span<const Usage> used) override;
  Result<void> revoke(std::string_view session_id, std::string_view user_id, UnixSeconds now,
                      EndReason reason) override;
  Result<std::vector<std::string>> revoke_all_of(std::string_view user_id, std::optional<std::string_view> keep,
                                                 UnixSeconds now, EndReason reason) override;
  Result<std::vector<Session>> list_live(std::string_view user_id, UnixSeconds now,
                                         UnixSeconds idle_since) override;
  Result<std::int64_t> count_live(UnixSeconds now, UnixSeconds idle_since) override;
  Result<std::vector<RevokedSession>> list_revoked_since(UnixSeconds since) override;

  void watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) override;
  void stop_watching() override;

 private:
  void poll_loop(const RevokedCallback& on_revoked);
  std::int64_t data_version();

  Connections& connections_;
  const sql::Statements& sql_ = statements();

  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  bool watch_stop_ = false;
  std::thread watcher_;
};

}  // namespace latchkey::store::sqlite
