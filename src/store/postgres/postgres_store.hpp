#pragma once
// The Store on PostgreSQL, for several latchkey instances sharing one
// database. A bounded connection pool (DATABASE_POOL_SIZE) serves the calls;
// revocations are announced with NOTIFY and heard by every instance through
// LISTEN on a connection of its own.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/postgres/pg_pool.hpp"
#include "store/store.hpp"

namespace latchkey::store::postgres {

// The NOTIFY channel; payload "<session id> <revoked_at>".
inline constexpr const char* kRevocationChannel = "latchkey_revocations";

class PostgresStore final : public Store {
 public:
  // Connects and migrates (under an advisory lock, so instances starting
  // together migrate once). Throws std::runtime_error with a one-line reason.
  PostgresStore(const std::string& conninfo, std::size_t pool_size);
  ~PostgresStore() override;

  Result<void> create_user(const User& user) override;
  Result<User> find_user_by_name(std::string_view username) override;
  Result<User> find_user_by_id(std::string_view id) override;
  Result<void> set_password_hash(std::string_view user_id, std::string_view hash) override;

  Result<void> create_session(const Session& session) override;
  Result<Session> find_session(std::string_view session_id) override;
  Result<SessionAndUser> find_session_and_user(std::string_view session_id) override;
  Result<bool> rotate_refresh(const Rotation& r) override;
  Result<void> touch_sessions(std::span<const Usage> used) override;
  Result<void> revoke_session(std::string_view session_id, std::string_view user_id,
                              UnixSeconds now, EndReason reason) override;
  Result<std::vector<std::string>> revoke_user_sessions(std::string_view user_id,
                                                        std::optional<std::string_view> keep,
                                                        UnixSeconds now, EndReason reason) override;
  Result<std::vector<Session>> list_live_sessions(std::string_view user_id, UnixSeconds now,
                                                  UnixSeconds idle_since) override;
  Result<std::vector<RevokedSession>> list_revoked_since(UnixSeconds since) override;

  Result<std::string> ensure_secret(std::string_view name, std::string_view value,
                                    UnixSeconds now) override;
  Result<std::vector<StoredKey>> list_keys() override;
  Result<void> add_key(const StoredKey& key) override;
  Result<void> rotate_key(const StoredKey& key) override;
  Result<bool> install_signer(const StoredKey& key, UnixSeconds now) override;

  void watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) override;
  void stop_watching() override;

  Result<void> ping() override;
  Result<std::int64_t> count_live_sessions(UnixSeconds now, UnixSeconds idle_since) override;

  Result<Snapshot> export_all() override;
  Result<void> import_all(const Snapshot& snapshot) override;

  // postgres_admin_store.cpp
  Result<std::vector<UserSummary>> list_users(const UserQuery& query) override;
  Result<std::vector<std::string>> disable_user(std::string_view user_id, UnixSeconds now) override;
  Result<void> enable_user(std::string_view user_id) override;
  Result<std::vector<std::string>> delete_user(std::string_view user_id, UnixSeconds now,
                                               UnixSeconds keep_revocations_since) override;
  Result<void> append_audit(const std::vector<AuditEvent>& events) override;
  Result<std::vector<AuditEvent>> list_audit(const AuditQuery& query) override;
  Result<std::size_t> prune(UnixSeconds audit_before, UnixSeconds revocations_before,
                            std::size_t max_events) override;

 private:
  void migrate();
  void listen_loop(RevokedCallback on_revoked, std::function<void()> on_resync);
  static Result<void> insert_audit(PgConnection& c, const std::vector<AuditEvent>& events);
  static Result<std::vector<AuditEvent>> export_audit(PgConnection& c);

  std::string conninfo_;
  PgPool pool_;
  std::atomic<bool> stop_{false};
  std::thread listener_;
};

}  // namespace latchkey::store::postgres
