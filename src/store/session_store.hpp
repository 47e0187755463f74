#pragma once
// Sessions and their refresh-token rotation state, and the revocations other
// processes make. Every call blocks (run it on the database lane) and is safe
// from any thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/result.hpp"

namespace latchkey::store {

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // `session.refresh_hash` is the digest of the session's first refresh
  // token; tokens themselves are never stored. not_found when the user is
  // gone or disabled, or when `parent_id` names a session that is gone or
  // ended (checked atomically with the insert: a child never outlives its
  // parent's end). conflict when the id, refresh_hash or cookie_hash is taken.
  virtual Result<void> create(const Session& session) = 0;
  // not_found when there is no such session (ended ones are found).
  virtual Result<Session> find(std::string_view session_id) = 0;
  // The session and its account in one read (a refresh needs both); `user`
  // is empty when the account is gone. not_found when the session is.
  struct WithUser {
    Session session;
    std::optional<User> user;
  };
  virtual Result<WithUser> find_with_user(std::string_view session_id) = 0;
  // The browser session whose cookie handle has this digest (ended ones are
  // found too: the caller checks), with its account. not_found otherwise.
  virtual Result<WithUser> find_by_cookie(std::string_view cookie_hash) = 0;
  // The person entered a credential again in this live session (prompt=login,
  // max_age): sets auth_time and amr. not_found when it has ended.
  virtual Result<void> reauthenticate(std::string_view session_id, UnixSeconds auth_time, std::string_view amr) = 0;
  // Compare-and-set: advances the session only if it is still at generation
  // `r.from` and not revoked. false (not an error) when another request won.
  virtual Result<bool> rotate_refresh(const Rotation& r) = 0;
  // Records use times (never moving last_used_at backwards), in one transaction.
  virtual Result<void> touch(std::span<const Usage> used) = 0;
  // Ends one live session of this user; not_found when it is not theirs or
  // already ended. Whatever ends a session (here, revoke_all_of, the admin
  // queries) also ends its children and queues its back-channel logouts, in
  // the same transaction (logout_store.hpp); their ids are not returned.
  virtual Result<void> revoke(std::string_view session_id, std::string_view user_id, UnixSeconds now,
                              EndReason reason) = 0;
  // Ends every live session of the user but `keep` (if given); returns their ids.
  virtual Result<std::vector<std::string>> revoke_all_of(std::string_view user_id,
                                                         std::optional<std::string_view> keep, UnixSeconds now,
                                                         EndReason reason) = 0;
  // Sessions not revoked, not past expires_at at `now` and used at or after
  // `idle_since`, newest first.
  virtual Result<std::vector<Session>> list_live(std::string_view user_id, UnixSeconds now,
                                                 UnixSeconds idle_since) = 0;
  // How many sessions are live (as list_live counts them), over all users.
  virtual Result<std::int64_t> count_live(UnixSeconds now, UnixSeconds idle_since) = 0;
  // Sessions revoked at or after `since` (deleted users' kept revocations
  // included): to rebuild the in-memory revocation set.
  virtual Result<std::vector<RevokedSession>> list_revoked_since(UnixSeconds since) = 0;

  // Revocations made by other processes sharing this database: `on_revoked`
  // as each becomes known, `on_resync` when some may have been missed (the
  // caller then reloads them with list_revoked_since). Callbacks run on a
  // thread of the store's. Call once, before serving.
  using RevokedCallback = std::function<void(const RevokedSession&)>;
  virtual void watch_revocations(RevokedCallback on_revoked, std::function<void()> on_resync) = 0;
  // Stops watching; idempotent.
  virtual void stop_watching() = 0;
};

}  // namespace latchkey::store
