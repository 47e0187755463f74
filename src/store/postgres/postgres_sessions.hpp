#pragma once
// SessionStore on PostgreSQL. Every revocation is announced with NOTIFY on
// kRevocationChannel at commit; each instance LISTENs on a connection of its
// own (watch_revocations).
#include <atomic>
#include <string>
#include <thread>

#include "store/postgres/pg_calls.hpp"
#include "store/session_store.hpp"

namespace latchkey::store::postgres {

// The NOTIFY channel; payload "<session id> <revoked_at>".
inline constexpr const char* kRevocationChannel = "latchkey_revocations";

class PostgresSessions final : public SessionStore {
 public:
  PostgresSessions(PgPool& pool, std::string conninfo) : pool_(pool), conninfo_(std::move(conninfo)) {}
  ~PostgresSessions() override;

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
  void listen_loop(const RevokedCallback& on_revoked, const std::function<void()>& on_resync);
  void hear(PGconn* raw, const RevokedCallback& on_revoked);

  PgPool& pool_;
  const sql::Statements& sql_ = statements();
  std::string conninfo_;  // the listener's own connection
  std::atomic<bool> stop_{false};
  std::thread listener_;
};

}  // namespace latchkey::store::postgres
