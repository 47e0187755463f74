#pragma once
// The Store on an embedded SQLite file: WAL journal, and group commit
// (wal_sync.hpp), so a write that was answered survives kill -9 and power
// loss while concurrent writes share one disk flush.
//
// Two connections. The writer runs every write, and every call of the
// server's database lane: one thread runs those in batches, each batch one
// transaction (batching(): begin/end), answered once flushed, so a burst of
// requests costs one lock cycle and one flush. Reads made by other threads
// (the hashing lane's, the revocation watcher's) use the reader connection
// and never wait for a batch; WAL lets it read while the writer writes.
// Nothing read or written is returned before it is durable. (An in-memory
// database has only the writer.)
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>

#include "store/store.hpp"
#include "store/store_stats.hpp"

namespace latchkey::store::sqlite {

class Db;
class WalSync;
class Checkpointer;

class SqliteStore final : public Store, private BatchHooks {
 public:
  // Opens (creating if needed) and migrates. Throws std::runtime_error with
  // a one-line reason on failure: start-up only.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

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

  // Polls for revocations made by other processes on the same file (admin
  // commands): looks when another process has committed, within 100 ms.
  void watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) override;
  void stop_watching() override;

  BatchHooks* batching() override { return this; }
  void after_commit(std::function<void(bool committed)> f) override;

  Result<void> ping() override;
  Result<std::int64_t> count_live_sessions(UnixSeconds now, UnixSeconds idle_since) override;

  Result<Snapshot> export_all() override;
  Result<void> import_all(const Snapshot& snapshot) override;

  // sqlite_admin_store.cpp
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
  void migrate(Db& db);
  static Result<void> insert_key(Db& db, const StoredKey& key);
  static Result<void> insert_user(Db& db, const User& user);
  static Result<void> insert_audit(Db& db, const std::vector<AuditEvent>& events);  // in a transaction
  static Result<std::vector<AuditEvent>> export_audit(Db& db);

  // BatchHooks, for the database lane's thread: the writer is held from
  // begin() to end(), one transaction.
  void begin() override;
  bool intact() override;
  bool end(bool intact) override;
  void when_durable(std::function<void()> done) override;

  enum class Use { read, write };
  // A connection for one call: inside a batch, the batch's; else the reader
  // (reads) or the writer (writes), held until release. On release outside
  // a batch, waits until whatever the call wrote or might have read is on
  // disk (outside the lock, so other writers join the same flush).
  class Access {
   public:
    Access(SqliteStore& s, Use use);
    ~Access();
    Access(const Access&) = delete;
    Access& operator=(const Access&) = delete;
    Db& db() { return *db_; }

   private:
    SqliteStore& store_;
    Db* db_;
    CountedMutex* held_ = nullptr;  // null inside a batch
    std::uint64_t commits_before_ = 0;
  };

  CountedMutex writer_mutex_;  // counted as in use while held
  CountedMutex reader_mutex_;
  std::unique_ptr<Db> writer_;
  std::unique_ptr<Db> reader_;         // null for an in-memory database
  std::unique_ptr<WalSync> wal_sync_;  // null when not in WAL mode (in memory)
  std::unique_ptr<Checkpointer> checkpointer_;  // likewise
  std::vector<std::function<void(bool)>> after_batch_;  // the batch thread's

  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  bool watch_stop_ = false;
  std::thread watcher_;
};

}  // namespace latchkey::store::sqlite
